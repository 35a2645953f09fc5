package mmserve

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	mmservev1 "github.com/mmserve/mmserve/clients/go/gen/mmserve/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"
)

// recordingServer is an in-process Multimodal server: it records each request and its deadline
// and answers with what the test set.
type recordingServer struct {
	mmservev1.UnimplementedMultimodalServer
	requests    []proto.Message
	hadDeadline []bool
	err         error
	classify    *mmservev1.ClassifyResponse
	embed       *mmservev1.EmbedTextResponse
}

func (s *recordingServer) record(ctx context.Context, request proto.Message) {
	_, ok := ctx.Deadline()
	s.requests = append(s.requests, request)
	s.hadDeadline = append(s.hadDeadline, ok)
}

func (s *recordingServer) EmbedText(ctx context.Context, r *mmservev1.EmbedTextRequest) (*mmservev1.EmbedTextResponse, error) {
	s.record(ctx, r)
	return s.embed, s.err
}

func (s *recordingServer) EmbedImage(ctx context.Context, r *mmservev1.EmbedImageRequest) (*mmservev1.EmbedImageResponse, error) {
	s.record(ctx, r)
	return &mmservev1.EmbedImageResponse{}, s.err
}

func (s *recordingServer) Classify(ctx context.Context, r *mmservev1.ClassifyRequest) (*mmservev1.ClassifyResponse, error) {
	s.record(ctx, r)
	return s.classify, s.err
}

func (s *recordingServer) Rank(ctx context.Context, r *mmservev1.RankRequest) (*mmservev1.RankResponse, error) {
	s.record(ctx, r)
	return &mmservev1.RankResponse{}, s.err
}

func (s *recordingServer) Match(ctx context.Context, r *mmservev1.MatchRequest) (*mmservev1.MatchResponse, error) {
	s.record(ctx, r)
	return &mmservev1.MatchResponse{}, s.err
}

func (s *recordingServer) Search(ctx context.Context, r *mmservev1.SearchRequest) (*mmservev1.SearchResponse, error) {
	s.record(ctx, r)
	return &mmservev1.SearchResponse{}, s.err
}

// serve starts server on an in-memory listener and returns a client with opts on it.
func serve(t *testing.T, server *recordingServer, opts ...Option) *Client {
	t.Helper()
	listener := bufconn.Listen(1 << 20)
	grpcServer := grpc.NewServer()
	mmservev1.RegisterMultimodalServer(grpcServer, server)
	go func() { _ = grpcServer.Serve(listener) }()
	t.Cleanup(grpcServer.Stop)
	conn, err := grpc.NewClient("passthrough:///bufconn",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return listener.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return New(conn, opts...)
}

func TestEmbedTexts_sendsTextsAndModelAndReturnsVectorsInOrder(t *testing.T) {
	server := &recordingServer{embed: &mmservev1.EmbedTextResponse{
		Embeddings: []*mmservev1.Embedding{{Values: []float32{1, 0}}, {Values: []float32{0, 1}, Index: 1}},
		Model:      "shapes-clip", ModelVersion: "1.0.0",
	}}
	client := serve(t, server, WithModel("shapes-clip@1.0.0"))

	got, err := client.EmbedTexts(context.Background(), []string{"a red circle", "a blue square"}, RequestID("r-1"))
	if err != nil {
		t.Fatal(err)
	}
	want := &mmservev1.EmbedTextRequest{Texts: []string{"a red circle", "a blue square"}, Model: "shapes-clip@1.0.0", RequestId: "r-1"}
	if !proto.Equal(server.requests[0], want) {
		t.Errorf("request = %v, want %v", server.requests[0], want)
	}
	if len(got.Vectors) != 2 || got.Vectors[1][1] != 1 || got.Model != "shapes-clip" || got.ModelVersion != "1.0.0" {
		t.Errorf("embeddings = %+v", got)
	}
}

func TestClassify_sendsOptionsAndConvertsScores(t *testing.T) {
	server := &recordingServer{classify: &mmservev1.ClassifyResponse{Classifications: []*mmservev1.Classification{
		{Scores: []*mmservev1.LabelScore{{Label: "red circle", Probability: 0.9, Logit: 7}, {Label: "blue square", Probability: 0.1, Logit: 2}}},
	}}}
	client := serve(t, server)

	got, err := client.Classify(context.Background(), []Image{ImageBytes([]byte("png"))}, []string{"red circle", "blue square"},
		PromptTemplate("a {}"), TopK(2))
	if err != nil {
		t.Fatal(err)
	}
	want := &mmservev1.ClassifyRequest{
		Images:         []*mmservev1.Image{{Source: &mmservev1.Image_Encoded{Encoded: []byte("png")}}},
		Labels:         []string{"red circle", "blue square"},
		PromptTemplate: "a {}", TopK: 2,
	}
	if !proto.Equal(server.requests[0], want) {
		t.Errorf("request = %v, want %v", server.requests[0], want)
	}
	if best := got[0].Best(); best.Label != "red circle" || best.Probability != 0.9 || best.Logit != 7 {
		t.Errorf("best = %+v", best)
	}
}

func TestRank_textQueryOverImageCandidatesWithRerank(t *testing.T) {
	server := &recordingServer{}
	client := serve(t, server)

	_, err := client.Rank(context.Background(), TextQuery("a red circle"),
		ImageCandidates(ImageBytes([]byte("a")), ImageBytes([]byte("b"))), TopK(1), Rerank(2))
	if err != nil {
		t.Fatal(err)
	}
	want := &mmservev1.RankRequest{
		Query: &mmservev1.RankRequest_QueryText{QueryText: "a red circle"},
		Candidates: &mmservev1.RankRequest_CandidateImages{CandidateImages: &mmservev1.ImageList{Images: []*mmservev1.Image{
			{Source: &mmservev1.Image_Encoded{Encoded: []byte("a")}}, {Source: &mmservev1.Image_Encoded{Encoded: []byte("b")}},
		}}},
		TopK: 1, RerankTopK: 2,
	}
	if !proto.Equal(server.requests[0], want) {
		t.Errorf("request = %v, want %v", server.requests[0], want)
	}
}

func TestSearch_embeddingQueryWithFilter(t *testing.T) {
	server := &recordingServer{}
	client := serve(t, server)

	_, err := client.Search(context.Background(), "photos", EmbeddingQuery([]float32{0.6, 0.8}),
		TopK(3), Filter(`colour = "red"`), Exact(), OmitThumbnails())
	if err != nil {
		t.Fatal(err)
	}
	want := &mmservev1.SearchRequest{
		Collection: "photos", Query: &mmservev1.SearchRequest_Embedding{Embedding: &mmservev1.Embedding{Values: []float32{0.6, 0.8}}},
		TopK: 3, Filter: `colour = "red"`, Exact: true, OmitThumbnails: true,
	}
	if !proto.Equal(server.requests[0], want) {
		t.Errorf("request = %v, want %v", server.requests[0], want)
	}
}

func TestMatch_unreadableImageFileNamesThePairAndSendsNothing(t *testing.T) {
	server := &recordingServer{}
	client := serve(t, server)

	_, err := client.Match(context.Background(), []Pair{
		{Image: ImageBytes([]byte("a")), Text: "x"}, {Image: ImageFile("no/such/picture.png"), Text: "y"},
	})
	if err == nil || !strings.Contains(err.Error(), "pairs[1].image: open no/such/picture.png") {
		t.Fatalf("err = %v, want one naming pairs[1].image and the path", err)
	}
	if len(server.requests) != 0 {
		t.Errorf("sent %d requests, want none", len(server.requests))
	}
}

func TestCall_refusesAnOptionItDoesNotTake(t *testing.T) {
	client := serve(t, &recordingServer{})

	_, err := client.Match(context.Background(), nil, Rerank(3))
	if err == nil || err.Error() != "mmserve: Match does not take the option Rerank (it takes RequestID)" {
		t.Fatalf("err = %v", err)
	}
}

func TestErrors_carryCodeMessageAndFieldViolations(t *testing.T) {
	st, err := status.New(codes.InvalidArgument, "images[0]: not an image in a recognised format").WithDetails(&errdetails.BadRequest{
		FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "images[0]", Description: "not an image in a recognised format"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	client := serve(t, &recordingServer{err: st.Err()})

	_, err = client.EmbedImages(context.Background(), []Image{ImageBytes([]byte{0, 0, 0})})

	var mmErr *Error
	if !errors.As(err, &mmErr) {
		t.Fatalf("err = %T %v, want *Error", err, err)
	}
	if mmErr.Code != codes.InvalidArgument || mmErr.Message != "images[0]: not an image in a recognised format" {
		t.Errorf("code %v, message %q", mmErr.Code, mmErr.Message)
	}
	if v, ok := mmErr.Violation("images[0]"); !ok || v.Description != "not an image in a recognised format" {
		t.Errorf("violations = %+v", mmErr.Violations)
	}
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("status.Code(err) = %v, want the status seen through *Error", status.Code(err))
	}
	if got := err.Error(); got != "mmserve: InvalidArgument: images[0]: not an image in a recognised format" {
		t.Errorf("Error() = %q", got)
	}
}

func TestErrors_statusWithoutDetailsHasNoViolations(t *testing.T) {
	client := serve(t, &recordingServer{err: status.Error(codes.Unavailable, "overloaded")})

	_, err := client.Rank(context.Background(), TextQuery("q"), TextCandidates("a"))

	var mmErr *Error
	if !errors.As(err, &mmErr) || mmErr.Code != codes.Unavailable || len(mmErr.Violations) != 0 {
		t.Fatalf("err = %#v", err)
	}
}

func TestDeadline_defaultTimeoutAppliesOnlyWhenTheContextHasNone(t *testing.T) {
	server := &recordingServer{embed: &mmservev1.EmbedTextResponse{}}
	client := serve(t, server)
	withoutTimeout := serve(t, server, WithTimeout(0))

	if _, err := client.EmbedTexts(context.Background(), []string{"a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := withoutTimeout.EmbedTexts(context.Background(), []string{"a"}); err != nil {
		t.Fatal(err)
	}
	if !server.hadDeadline[0] || server.hadDeadline[1] {
		t.Errorf("deadlines seen by the server = %v, want [true false]", server.hadDeadline)
	}
}

func TestDeadline_expiredContextIsDeadlineExceeded(t *testing.T) {
	client := serve(t, &recordingServer{embed: &mmservev1.EmbedTextResponse{}})
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()

	_, err := client.EmbedTexts(ctx, []string{"a"})

	var mmErr *Error
	if !errors.As(err, &mmErr) || mmErr.Code != codes.DeadlineExceeded {
		t.Fatalf("err = %v, want *Error with DeadlineExceeded", err)
	}
}

// keyRecordingServer records the authorization header of each call.
type keyRecordingServer struct {
	recordingServer
	authorization []string
}

func (s *keyRecordingServer) EmbedText(ctx context.Context, r *mmservev1.EmbedTextRequest) (*mmservev1.EmbedTextResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	s.authorization = append(s.authorization, strings.Join(md.Get("authorization"), ","))
	return &mmservev1.EmbedTextResponse{}, nil
}

func TestWithAPIKey_sendsTheKeyOnWrappedAndRawCalls(t *testing.T) {
	server := &keyRecordingServer{}
	listener := bufconn.Listen(1 << 20)
	grpcServer := grpc.NewServer()
	mmservev1.RegisterMultimodalServer(grpcServer, server)
	go func() { _ = grpcServer.Serve(listener) }()
	t.Cleanup(grpcServer.Stop)
	conn, err := grpc.NewClient("passthrough:///bufconn",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return listener.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })

	keyed := New(conn, WithAPIKey("mmk_test"))
	if _, err := keyed.EmbedTexts(context.Background(), []string{"a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := keyed.API().EmbedText(context.Background(), &mmservev1.EmbedTextRequest{Texts: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := New(conn).EmbedTexts(context.Background(), []string{"a"}); err != nil {
		t.Fatal(err)
	}
	want := []string{"Bearer mmk_test", "Bearer mmk_test", ""}
	if strings.Join(server.authorization, "|") != strings.Join(want, "|") {
		t.Errorf("authorization headers = %q, want %q", server.authorization, want)
	}
}
