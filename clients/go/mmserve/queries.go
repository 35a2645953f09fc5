package mmserve

import (
	"fmt"

	mmservev1 "github.com/mmserve/mmserve/clients/go/gen/mmserve/v1"
)

// Query is what Rank orders by and what Search looks for: a text, an image or (Search only) an
// embedding.
type Query struct {
	text      *string
	image     *Image
	embedding []float32
}

// TextQuery is a text query.
func TextQuery(text string) Query {
	return Query{text: &text}
}

// ImageQuery is an image query.
func ImageQuery(img Image) Query {
	return Query{image: &img}
}

// EmbeddingQuery is a ready embedding (for example from EmbedTexts); Search only.
func EmbeddingQuery(vector []float32) Query {
	return Query{embedding: vector}
}

// Candidates are what Rank orders: texts or images.
type Candidates struct {
	texts  []string
	images []Image
}

// TextCandidates are texts to rank.
func TextCandidates(texts ...string) Candidates {
	return Candidates{texts: texts}
}

// ImageCandidates are images to rank.
func ImageCandidates(images ...Image) Candidates {
	return Candidates{images: images}
}

// Pair is an image and a text for Match.
type Pair struct {
	Image Image
	Text  string
}

func (q Query) rankQuery(request *mmservev1.RankRequest) error {
	switch {
	case q.text != nil:
		request.Query = &mmservev1.RankRequest_QueryText{QueryText: *q.text}
	case q.image != nil:
		img, err := q.image.proto()
		if err != nil {
			return fmt.Errorf("mmserve: query_image: %w", err)
		}
		request.Query = &mmservev1.RankRequest_QueryImage{QueryImage: img}
	case q.embedding != nil:
		return fmt.Errorf("mmserve: Rank takes a TextQuery or an ImageQuery, not an EmbeddingQuery")
	}
	return nil
}

func (q Query) searchQuery(request *mmservev1.SearchRequest) error {
	switch {
	case q.text != nil:
		request.Query = &mmservev1.SearchRequest_Text{Text: *q.text}
	case q.image != nil:
		img, err := q.image.proto()
		if err != nil {
			return fmt.Errorf("mmserve: image: %w", err)
		}
		request.Query = &mmservev1.SearchRequest_Image{Image: img}
	case q.embedding != nil:
		request.Query = &mmservev1.SearchRequest_Embedding{Embedding: &mmservev1.Embedding{Values: q.embedding}}
	}
	return nil
}

func (c Candidates) rankCandidates(request *mmservev1.RankRequest) error {
	if c.images != nil {
		images, err := protoImages("candidate_images.images", c.images)
		if err != nil {
			return err
		}
		request.Candidates = &mmservev1.RankRequest_CandidateImages{CandidateImages: &mmservev1.ImageList{Images: images}}
		return nil
	}
	if c.texts != nil {
		request.Candidates = &mmservev1.RankRequest_CandidateTexts{CandidateTexts: &mmservev1.TextList{Texts: c.texts}}
	}
	return nil
}
