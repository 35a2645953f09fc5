// Package mmserve is a small typed layer over mmserve's public gRPC API (package mmserve.v1, stubs
// generated from proto/ in package mmservev1): EmbedTexts, EmbedImages, Classify, Rank, Match and
// Search, with plain Go values in and out and one error type, *Error, for every status the server
// answers.
//
// A Client is safe for concurrent use by many goroutines. Every call takes a context: its deadline
// is the call's deadline; a context without one gets the client's default timeout (WithTimeout).
package mmserve

import (
	"context"
	"time"

	mmservev1 "github.com/mmserve/mmserve/clients/go/gen/mmserve/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// DefaultTimeout is the deadline of a call whose context has none.
const DefaultTimeout = 30 * time.Second

// Client calls one mmserve gateway.
type Client struct {
	conn     *grpc.ClientConn // nil when the caller owns the connection (New)
	api      mmservev1.MultimodalClient
	settings settings
}

type settings struct {
	model       string
	timeout     time.Duration
	dialOptions []grpc.DialOption
	apiKey      string
}

// Option configures a Client.
type Option func(*settings)

// WithModel names the model pack every call asks for ("shapes-clip", or "name@version"); without
// it the server's default model answers.
func WithModel(name string) Option {
	return func(s *settings) { s.model = name }
}

// WithTimeout sets the deadline of calls whose context has none (default DefaultTimeout); 0 or less
// leaves such calls without a deadline.
func WithTimeout(d time.Duration) Option {
	return func(s *settings) { s.timeout = d }
}

// WithDialOptions adds gRPC dial options for Dial, after the default plaintext transport (so
// grpc.WithTransportCredentials here turns TLS on).
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(s *settings) { s.dialOptions = append(s.dialOptions, opts...) }
}

// Dial makes a client for the gateway at target ("127.0.0.1:50051", "dns:///mmserve:50051").
// It does not wait for a connection: the first call connects. Close releases the connection.
func Dial(target string, opts ...Option) (*Client, error) {
	s := newSettings(opts)
	dial := append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, s.dialOptions...)
	conn, err := grpc.NewClient(target, dial...)
	if err != nil {
		return nil, err
	}
	return &Client{conn: conn, api: mmservev1.NewMultimodalClient(withAPIKey(conn, s.apiKey)), settings: s}, nil
}

// New makes a client on a connection the caller owns (and closes); Close then does nothing.
func New(conn grpc.ClientConnInterface, opts ...Option) *Client {
	s := newSettings(opts)
	return &Client{api: mmservev1.NewMultimodalClient(withAPIKey(conn, s.apiKey)), settings: s}
}

// Close releases the connection Dial made.
func (c *Client) Close() error {
	if c.conn == nil {
		return nil
	}
	return c.conn.Close()
}

// API is the generated stub, for the calls this package does not wrap (Score, Upsert, Delete,
// ListCollections). Its errors are gRPC statuses; AsError turns one into an *Error.
func (c *Client) API() mmservev1.MultimodalClient {
	return c.api
}

func newSettings(opts []Option) settings {
	s := settings{timeout: DefaultTimeout}
	for _, opt := range opts {
		opt(&s)
	}
	return s
}

// begin gives a call its deadline and checks that each option applies to it.
func (c *Client) begin(ctx context.Context, method string, opts []CallOption, allowed ...string) (context.Context, context.CancelFunc, *call, error) {
	options, err := collect(method, opts, allowed)
	if err != nil {
		return nil, nil, nil, err
	}
	if _, ok := ctx.Deadline(); !ok && c.settings.timeout > 0 {
		ctx, cancel := context.WithTimeout(ctx, c.settings.timeout)
		return ctx, cancel, options, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	return ctx, cancel, options, nil
}
