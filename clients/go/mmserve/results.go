package mmserve

// Embeddings are the vectors of a call's inputs, in input order.
type Embeddings struct {
	// Vectors holds one vector per input; each has the model's embedding size and unit length.
	Vectors [][]float32
	// Model and ModelVersion name the model that computed them.
	Model        string
	ModelVersion string
}

// Classification is one image's label scores, most probable first.
type Classification struct {
	// Index is the image's position in the request.
	Index  int
	Scores []LabelScore
}

// Best is the most probable label's score.
func (c Classification) Best() LabelScore {
	if len(c.Scores) == 0 {
		return LabelScore{}
	}
	return c.Scores[0]
}

// LabelScore is the score of one label for one image.
type LabelScore struct {
	// Label is the label as given (not the prompt made from it).
	Label string
	// Probability is the softmax over all the request's labels.
	Probability float32
	// Logit is the image-prompt cosine similarity times the model's logit scale.
	Logit float32
}

// RankedCandidate is one candidate's place and scores; Rank returns them best first.
type RankedCandidate struct {
	// Index is the candidate's position in the request.
	Index      int
	Similarity float32
	Logit      float32
	// Reranked is true when the candidate was among Rerank's k and has a MatchProbability.
	Reranked         bool
	MatchProbability float32
}

// MatchResult is the probability that one image-text pair matches.
type MatchResult struct {
	// Index is the pair's position in the request.
	Index       int
	Probability float32
	Logit       float32
}

// SearchHit is one item a Search found, most similar first.
type SearchHit struct {
	ID       string
	Score    float32
	Metadata map[string]string
	// Thumbnail is a small JPEG of an image item; empty when there is none or with OmitThumbnails.
	Thumbnail []byte
}
