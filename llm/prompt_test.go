package llm

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestUnfence(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":1}`, `{"a":1}`},
		{"  {\"a\":1}\n", `{"a":1}`},
		{"```json\n{\"a\":1}\n```", `{"a":1}`},
		{"```JSON\n{\"a\":1}\n```\n", `{"a":1}`},
		{"```\n{\"a\":1}```", `{"a":1}`},
		{"```", ""},
	}
	for _, tt := range tests {
		if got := unfence(tt.in); got != tt.want {
			t.Errorf("unfence(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestUserMessageWithoutTitle(t *testing.T) {
	got, err := userMessage(Request{Profile: testProfile(), JobDescription: "  Write Go.  "})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got, "Job title:") || strings.Contains(got, "Company:") || strings.Contains(got, "previous answer") {
		t.Errorf("user message has sections for empty fields:\n%s", got)
	}
	if !strings.HasSuffix(got, "Job description:\nWrite Go.\n") {
		t.Errorf("user message does not end with the job description:\n%s", got)
	}
}

func TestResumeSchema(t *testing.T) {
	schema, err := resumeSchema()
	if err != nil {
		t.Fatalf("resumeSchema: %v", err)
	}
	b, err := json.Marshal(schema)
	if err != nil {
		t.Fatalf("marshal schema: %v", err)
	}
	// highlightSources: each rewritten highlight names the profile
	// highlight it rewrites (issue 11), an array of integers.
	for _, s := range []string{`"basics"`, `"work"`, `"highlights"`, `"required":["name"]`,
		`"highlightSources":{"type":"array","items":{"type":"integer"}}`} {
		if !strings.Contains(string(b), s) {
			t.Errorf("schema lacks %s: %s", s, b)
		}
	}
}

func TestSystemPromptAsksForSources(t *testing.T) {
	for _, want := range []string{"highlightSources", "same entry", "move an achievement"} {
		if !strings.Contains(systemPrompt, want) {
			t.Errorf("system prompt lacks %q", want)
		}
	}
	if PromptVersion == "v1" {
		t.Error("the prompt changed: PromptVersion must move on so cached v1 tailorings are not served")
	}
}
