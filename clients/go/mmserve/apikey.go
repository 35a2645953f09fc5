package mmserve

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// WithAPIKey sends key as "authorization: Bearer <key>" with every call of the client, the
// wrapped calls and those made through API() alike (the gateway's API keys, docs/security.md).
// An empty key sends none.
func WithAPIKey(key string) Option {
	return func(s *settings) { s.apiKey = key }
}

// keyedConn adds the API key to the outgoing metadata of every call made over conn.
type keyedConn struct {
	conn          grpc.ClientConnInterface
	authorization string
}

// withAPIKey wraps conn so its calls carry key; conn itself when key is empty.
func withAPIKey(conn grpc.ClientConnInterface, key string) grpc.ClientConnInterface {
	if key == "" {
		return conn
	}
	return keyedConn{conn: conn, authorization: "Bearer " + key}
}

func (k keyedConn) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	return k.conn.Invoke(metadata.AppendToOutgoingContext(ctx, "authorization", k.authorization), method, args, reply, opts...)
}

func (k keyedConn) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return k.conn.NewStream(metadata.AppendToOutgoingContext(ctx, "authorization", k.authorization), desc, method, opts...)
}
