package mmserve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/png" // decodes testdata's PNGs for FromImage
	"math"
	"os"
	"strings"
	"testing"
	"time"

	mmservev1 "github.com/mmserve/mmserve/clients/go/gen/mmserve/v1"
	"google.golang.org/grpc/codes"
)

// GatewayEnv names a running gateway's gRPC target ("127.0.0.1:50051"). The tests below call it
// and are skipped when it is unset; stack-it's GoClientIT sets it to a local stack it starts.
const GatewayEnv = "MMSERVE_GATEWAY"

// liveTimeout bounds each live call: generous, the stack may share a busy machine.
const liveTimeout = 2 * time.Minute

var shapeLabels = []string{"red circle", "blue square", "green triangle", "yellow star"}

func live(t *testing.T) (*Client, context.Context) {
	t.Helper()
	target := os.Getenv(GatewayEnv)
	if target == "" {
		t.Skipf("%s is not set; set it to a running gateway's gRPC target to run the live tests", GatewayEnv)
	}
	client, err := Dial(target, WithTimeout(liveTimeout))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return client, context.Background()
}

func assertUnitVectors(t *testing.T, embeddings *Embeddings, count int) {
	t.Helper()
	if len(embeddings.Vectors) != count {
		t.Fatalf("%d vectors, want %d", len(embeddings.Vectors), count)
	}
	size := len(embeddings.Vectors[0])
	for n, v := range embeddings.Vectors {
		if len(v) != size || size == 0 {
			t.Errorf("vector %d has %d values, vector 0 has %d", n, len(v), size)
		}
		var sum float64
		for _, x := range v {
			sum += float64(x) * float64(x)
		}
		// the server L2-normalises in float32: 1e-4 covers its rounding
		if norm := math.Sqrt(sum); math.Abs(norm-1) > 1e-4 {
			t.Errorf("vector %d has norm %f, want 1 (within 1e-4)", n, norm)
		}
	}
}

func TestLive_embedTextsAreUnitVectorsOfOneSize(t *testing.T) {
	client, ctx := live(t)

	got, err := client.EmbedTexts(ctx, []string{"a red circle", "a blue square", ""})

	if err != nil {
		t.Fatal(err)
	}
	assertUnitVectors(t, got, 3)
	if got.Model == "" || got.ModelVersion == "" {
		t.Errorf("model %q version %q, want both named", got.Model, got.ModelVersion)
	}
}

func TestLive_embedImagesFromBytesFileAndPixelsAgree(t *testing.T) {
	client, ctx := live(t)
	encoded, err := os.ReadFile("../testdata/red_circle.png")
	if err != nil {
		t.Fatal(err)
	}
	decoded, _, err := image.Decode(bytes.NewReader(encoded))
	if err != nil {
		t.Fatal(err)
	}

	got, err := client.EmbedImages(ctx, []Image{ImageBytes(encoded), ImageFile("../testdata/red_circle.png"), FromImage(decoded)})

	if err != nil {
		t.Fatal(err)
	}
	assertUnitVectors(t, got, 3)
	// the same picture three ways: the server decodes the PNG to the very pixels Go decodes
	for n := 1; n < 3; n++ {
		if cosine := dot(got.Vectors[0], got.Vectors[n]); cosine < 0.999 {
			t.Errorf("image %d has cosine %f with image 0, want the same embedding (>= 0.999)", n, cosine)
		}
	}
}

func TestLive_classifyPicksTheShapeOfEachPicture(t *testing.T) {
	client, ctx := live(t)

	got, err := client.Classify(ctx, []Image{ImageFile("../testdata/red_circle.png"), ImageFile("../testdata/blue_square.png")}, shapeLabels)

	if err != nil {
		t.Fatal(err)
	}
	for n, want := range []string{"red circle", "blue square"} {
		if best := got[n].Best(); best.Label != want || got[n].Index != n {
			t.Errorf("image %d: best %+v (index %d), want %q", n, best, got[n].Index, want)
		}
	}
}

func TestLive_rankAndMatchPreferTheRightPicture(t *testing.T) {
	client, ctx := live(t)
	red, blue := ImageFile("../testdata/red_circle.png"), ImageFile("../testdata/blue_square.png")

	ranked, err := client.Rank(ctx, TextQuery("a photo of a blue square"), ImageCandidates(red, blue), Rerank(2))
	if err != nil {
		t.Fatal(err)
	}
	if ranked[0].Index != 1 || !ranked[0].Reranked {
		t.Errorf("ranked = %+v, want the blue square (index 1) first, reranked", ranked)
	}

	matched, err := client.Match(ctx, []Pair{{red, "a photo of a red circle"}, {red, "a photo of a blue square"}})
	if err != nil {
		t.Fatal(err)
	}
	if matched[0].Probability <= matched[1].Probability {
		t.Errorf("match = %+v, want the red circle to match its caption better than another", matched)
	}
}

func TestLive_searchFindsTheUpsertedItem(t *testing.T) {
	client, ctx := live(t)
	collection := fmt.Sprintf("go-client-%d", time.Now().UnixNano())
	red, err := os.ReadFile("../testdata/red_circle.png")
	if err != nil {
		t.Fatal(err)
	}
	blue, err := os.ReadFile("../testdata/blue_square.png")
	if err != nil {
		t.Fatal(err)
	}
	upsertCtx, cancel := context.WithTimeout(ctx, liveTimeout)
	defer cancel()
	_, err = client.API().Upsert(upsertCtx, &mmservev1.UpsertRequest{Collection: collection, Items: []*mmservev1.GalleryItem{
		{Id: "red", Content: &mmservev1.GalleryItem_Image{Image: &mmservev1.Image{Source: &mmservev1.Image_Encoded{Encoded: red}}}, Metadata: map[string]string{"colour": "red"}},
		{Id: "blue", Content: &mmservev1.GalleryItem_Image{Image: &mmservev1.Image{Source: &mmservev1.Image_Encoded{Encoded: blue}}}, Metadata: map[string]string{"colour": "blue"}},
	}})
	if err != nil {
		t.Fatal(AsError(err))
	}
	t.Cleanup(func() {
		_, _ = client.API().Delete(context.Background(), &mmservev1.DeleteRequest{Collection: collection, DeleteCollection: true})
	})

	hits, err := client.Search(ctx, collection, TextQuery("a photo of a red circle"), TopK(2))
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 2 || hits[0].ID != "red" || hits[0].Metadata["colour"] != "red" {
		t.Errorf("hits = %+v, want red first with its metadata", hits)
	}

	filtered, err := client.Search(ctx, collection, TextQuery("a photo of a red circle"), Filter(`colour = "blue"`), OmitThumbnails())
	if err != nil {
		t.Fatal(err)
	}
	if len(filtered) != 1 || filtered[0].ID != "blue" || len(filtered[0].Thumbnail) != 0 {
		t.Errorf("filtered hits = %+v, want only blue, without thumbnail", filtered)
	}
}

func TestLive_invalidImageIsInvalidArgumentNamingTheField(t *testing.T) {
	client, ctx := live(t)

	_, err := client.Classify(ctx, []Image{ImageFile("../testdata/red_circle.png"), ImageBytes([]byte{0, 0, 0})}, shapeLabels)

	var mmErr *Error
	if !errors.As(err, &mmErr) {
		t.Fatalf("err = %T %v, want *mmserve.Error", err, err)
	}
	if mmErr.Code != codes.InvalidArgument {
		t.Errorf("code = %v, want InvalidArgument (%v)", mmErr.Code, mmErr)
	}
	if v, ok := mmErr.Violation("images[1]"); !ok || v.Description == "" {
		t.Errorf("violations = %+v, want one for images[1] with the rule", mmErr.Violations)
	}
}

// An error not about one field has the description only (docs/api.md#error-details).
func TestLive_unknownModelIsInvalidArgumentNamingTheModel(t *testing.T) {
	target := os.Getenv(GatewayEnv)
	if target == "" {
		t.Skipf("%s is not set", GatewayEnv)
	}
	client, err := Dial(target, WithModel("no-such-model"), WithTimeout(liveTimeout))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	_, err = client.EmbedTexts(context.Background(), []string{"a"})

	var mmErr *Error
	if !errors.As(err, &mmErr) || mmErr.Code != codes.InvalidArgument {
		t.Fatalf("err = %v, want *mmserve.Error with InvalidArgument", err)
	}
	if !strings.Contains(mmErr.Message, "no-such-model") || len(mmErr.Violations) != 0 {
		t.Errorf("message %q, violations %+v; want the model named and no violation", mmErr.Message, mmErr.Violations)
	}
}

func dot(a, b []float32) float64 {
	var sum float64
	for n := range a {
		sum += float64(a[n]) * float64(b[n])
	}
	return sum
}
