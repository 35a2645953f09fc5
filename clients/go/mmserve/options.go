package mmserve

import (
	"fmt"
	"slices"
)

// CallOption sets an optional part of one call's request. Each call lists the options it takes;
// passing another is an error naming both, before anything is sent.
type CallOption struct {
	name  string
	apply func(*call)
}

// call holds the optional request parts of one call.
type call struct {
	requestID      string
	promptTemplate string
	topK           uint32
	rerankTopK     uint32
	filter         string
	exact          bool
	omitThumbnails bool
}

// RequestID sets the request's request_id, echoed by the server and written to its logs.
// Every call takes it.
func RequestID(id string) CallOption {
	return CallOption{"RequestID", func(c *call) { c.requestID = id }}
}

// PromptTemplate sets Classify's prompt made from each label; "{}" stands for the label.
func PromptTemplate(template string) CallOption {
	return CallOption{"PromptTemplate", func(c *call) { c.promptTemplate = template }}
}

// TopK keeps the k best results (Classify: labels per image; Rank: candidates; Search: hits).
func TopK(k uint32) CallOption {
	return CallOption{"TopK", func(c *call) { c.topK = k }}
}

// Rerank reorders Rank's k best candidates by the cross-modal match probability.
func Rerank(k uint32) CallOption {
	return CallOption{"Rerank", func(c *call) { c.rerankTopK = k }}
}

// Filter sets Search's metadata filter (`key = "value" AND key IN ("a", "b")`).
func Filter(expression string) CallOption {
	return CallOption{"Filter", func(c *call) { c.filter = expression }}
}

// Exact makes Search compare the query with every stored vector.
func Exact() CallOption {
	return CallOption{"Exact", func(c *call) { c.exact = true }}
}

// OmitThumbnails leaves Search hits' thumbnails out.
func OmitThumbnails() CallOption {
	return CallOption{"OmitThumbnails", func(c *call) { c.omitThumbnails = true }}
}

func collect(method string, opts []CallOption, allowed []string) (*call, error) {
	c := &call{}
	for _, opt := range opts {
		if opt.apply == nil {
			return nil, fmt.Errorf("mmserve: %s: a zero CallOption; make options with mmserve.TopK, mmserve.RequestID, ...", method)
		}
		if opt.name != "RequestID" && !slices.Contains(allowed, opt.name) {
			return nil, fmt.Errorf("mmserve: %s does not take the option %s (it takes RequestID%s)", method, opt.name, list(allowed))
		}
		opt.apply(c)
	}
	return c, nil
}

func list(names []string) string {
	s := ""
	for _, n := range names {
		s += ", " + n
	}
	return s
}
