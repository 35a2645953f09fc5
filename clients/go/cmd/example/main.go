// Command example calls a running mmserve gateway with the Go client: it embeds two texts and
// classifies an image over a few labels, and shows the structured error of a bad request.
//
//	go run ./cmd/example [-gateway 127.0.0.1:50051] [-image testdata/red_circle.png]
//
// It exits 1 when a call fails, or when the bad request does not come back as INVALID_ARGUMENT
// naming its field.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/mmserve/mmserve/clients/go/mmserve"
	"google.golang.org/grpc/codes"
)

func main() {
	gateway := flag.String("gateway", "127.0.0.1:50051", "the gateway's gRPC target")
	picture := flag.String("image", "testdata/red_circle.png", "an image to classify")
	timeout := flag.Duration("timeout", time.Minute, "deadline of the whole example")
	flag.Parse()
	if err := run(*gateway, *picture, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "example:", err)
		os.Exit(1)
	}
}

func run(gateway, picture string, timeout time.Duration) error {
	client, err := mmserve.Dial(gateway)
	if err != nil {
		return err
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	embeddings, err := client.EmbedTexts(ctx, []string{"a red circle", "a blue square"})
	if err != nil {
		return err
	}
	fmt.Printf("EmbedTexts: %d vectors of %d values from %s@%s\n",
		len(embeddings.Vectors), len(embeddings.Vectors[0]), embeddings.Model, embeddings.ModelVersion)

	labels := []string{"red circle", "blue square", "green triangle", "yellow star"}
	classes, err := client.Classify(ctx, []mmserve.Image{mmserve.ImageFile(picture)}, labels)
	if err != nil {
		return err
	}
	best := classes[0].Best()
	fmt.Printf("Classify %s: %s (p=%.3f)\n", picture, best.Label, best.Probability)

	_, err = client.EmbedImages(ctx, []mmserve.Image{mmserve.ImageBytes([]byte("not an image"))})
	var mmErr *mmserve.Error
	if !errors.As(err, &mmErr) || mmErr.Code != codes.InvalidArgument || len(mmErr.Violations) == 0 {
		return fmt.Errorf("a bad image: want INVALID_ARGUMENT with a field violation, got %v", err)
	}
	fmt.Printf("a bad image: %s, field %s: %s\n", mmErr.Code, mmErr.Violations[0].Field, mmErr.Violations[0].Description)
	return nil
}
