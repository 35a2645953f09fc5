package mmserve

import (
	"context"
	"fmt"

	mmservev1 "github.com/mmserve/mmserve/clients/go/gen/mmserve/v1"
)

// EmbedTexts embeds texts into the model's shared vector space (RPC EmbedText).
func (c *Client) EmbedTexts(ctx context.Context, texts []string, opts ...CallOption) (*Embeddings, error) {
	ctx, cancel, options, err := c.begin(ctx, "EmbedTexts", opts)
	if err != nil {
		return nil, err
	}
	defer cancel()
	response, err := c.api.EmbedText(ctx, &mmservev1.EmbedTextRequest{
		Texts: texts, Model: c.settings.model, RequestId: options.requestID,
	})
	if err != nil {
		return nil, AsError(err)
	}
	return embeddings(response.GetEmbeddings(), response.GetModel(), response.GetModelVersion()), nil
}

// EmbedImages embeds images into the model's shared vector space (RPC EmbedImage).
func (c *Client) EmbedImages(ctx context.Context, images []Image, opts ...CallOption) (*Embeddings, error) {
	ctx, cancel, options, err := c.begin(ctx, "EmbedImages", opts)
	if err != nil {
		return nil, err
	}
	defer cancel()
	request := &mmservev1.EmbedImageRequest{Model: c.settings.model, RequestId: options.requestID}
	if request.Images, err = protoImages("images", images); err != nil {
		return nil, err
	}
	response, err := c.api.EmbedImage(ctx, request)
	if err != nil {
		return nil, AsError(err)
	}
	return embeddings(response.GetEmbeddings(), response.GetModel(), response.GetModelVersion()), nil
}

// Classify scores each image against labels, zero-shot; one Classification per image, in order.
// Takes PromptTemplate and TopK.
func (c *Client) Classify(ctx context.Context, images []Image, labels []string, opts ...CallOption) ([]Classification, error) {
	ctx, cancel, options, err := c.begin(ctx, "Classify", opts, "PromptTemplate", "TopK")
	if err != nil {
		return nil, err
	}
	defer cancel()
	request := &mmservev1.ClassifyRequest{
		Labels: labels, PromptTemplate: options.promptTemplate, TopK: options.topK,
		Model: c.settings.model, RequestId: options.requestID,
	}
	if request.Images, err = protoImages("images", images); err != nil {
		return nil, err
	}
	response, err := c.api.Classify(ctx, request)
	if err != nil {
		return nil, AsError(err)
	}
	result := make([]Classification, len(response.GetClassifications()))
	for n, classification := range response.GetClassifications() {
		scores := make([]LabelScore, len(classification.GetScores()))
		for k, score := range classification.GetScores() {
			scores[k] = LabelScore{Label: score.GetLabel(), Probability: score.GetProbability(), Logit: score.GetLogit()}
		}
		result[n] = Classification{Index: int(classification.GetIndex()), Scores: scores}
	}
	return result, nil
}

// Rank orders candidates by similarity to query, best first. Takes TopK and Rerank.
func (c *Client) Rank(ctx context.Context, query Query, candidates Candidates, opts ...CallOption) ([]RankedCandidate, error) {
	ctx, cancel, options, err := c.begin(ctx, "Rank", opts, "TopK", "Rerank")
	if err != nil {
		return nil, err
	}
	defer cancel()
	request := &mmservev1.RankRequest{
		TopK: options.topK, RerankTopK: options.rerankTopK, Model: c.settings.model, RequestId: options.requestID,
	}
	if err := query.rankQuery(request); err != nil {
		return nil, err
	}
	if err := candidates.rankCandidates(request); err != nil {
		return nil, err
	}
	response, err := c.api.Rank(ctx, request)
	if err != nil {
		return nil, AsError(err)
	}
	result := make([]RankedCandidate, len(response.GetResults()))
	for n, r := range response.GetResults() {
		result[n] = RankedCandidate{
			Index: int(r.GetIndex()), Similarity: r.GetSimilarity(), Logit: r.GetLogit(),
			Reranked: r.GetReranked(), MatchProbability: r.GetMatchProbability(),
		}
	}
	return result, nil
}

// Match scores how well each pair's image and text match; one MatchResult per pair, in order.
func (c *Client) Match(ctx context.Context, pairs []Pair, opts ...CallOption) ([]MatchResult, error) {
	ctx, cancel, options, err := c.begin(ctx, "Match", opts)
	if err != nil {
		return nil, err
	}
	defer cancel()
	request := &mmservev1.MatchRequest{Model: c.settings.model, RequestId: options.requestID}
	for n, pair := range pairs {
		img, err := pair.Image.proto()
		if err != nil {
			return nil, fmt.Errorf("mmserve: pairs[%d].image: %w", n, err)
		}
		request.Pairs = append(request.Pairs, &mmservev1.ImageTextPair{Image: img, Text: pair.Text})
	}
	response, err := c.api.Match(ctx, request)
	if err != nil {
		return nil, AsError(err)
	}
	result := make([]MatchResult, len(response.GetResults()))
	for n, r := range response.GetResults() {
		result[n] = MatchResult{Index: int(r.GetIndex()), Probability: r.GetProbability(), Logit: r.GetLogit()}
	}
	return result, nil
}

// Search finds the items of a gallery collection nearest to query, most similar first. Takes
// TopK, Filter, Exact and OmitThumbnails. The collection's own model embeds a text or image query.
func (c *Client) Search(ctx context.Context, collection string, query Query, opts ...CallOption) ([]SearchHit, error) {
	ctx, cancel, options, err := c.begin(ctx, "Search", opts, "TopK", "Filter", "Exact", "OmitThumbnails")
	if err != nil {
		return nil, err
	}
	defer cancel()
	request := &mmservev1.SearchRequest{
		Collection: collection, TopK: options.topK, Filter: options.filter, Exact: options.exact,
		OmitThumbnails: options.omitThumbnails, RequestId: options.requestID,
	}
	if err := query.searchQuery(request); err != nil {
		return nil, err
	}
	response, err := c.api.Search(ctx, request)
	if err != nil {
		return nil, AsError(err)
	}
	result := make([]SearchHit, len(response.GetHits()))
	for n, hit := range response.GetHits() {
		result[n] = SearchHit{ID: hit.GetId(), Score: hit.GetScore(), Metadata: hit.GetMetadata(), Thumbnail: hit.GetThumbnail()}
	}
	return result, nil
}

func embeddings(vectors []*mmservev1.Embedding, model, version string) *Embeddings {
	result := &Embeddings{Vectors: make([][]float32, len(vectors)), Model: model, ModelVersion: version}
	for n, v := range vectors {
		result.Vectors[n] = v.GetValues()
	}
	return result
}
