package trail

import (
	"regexp"
	"slices"
)

// Technique is one MITRE ATT&CK technique a detection maps to.
type Technique struct {
	ID        string `json:"id"`
	Technique string `json:"technique"`
	Tactic    string `json:"tactic"`
}

// Risk is a detection's risk-based-alerting annotation. Message is a template
// in which $field$ stands for a finding's by-field value.
type Risk struct {
	Impact     int     `json:"impact"`
	Confidence int     `json:"confidence"`
	Score      float64 `json:"score"`
	Message    string  `json:"message"`
}

// Detection is the metadata of one detection, read from its Rego package's
// METADATA block. By is the ordered list of group-by fields: the keys of
// every finding object and the columns of every result row.
type Detection struct {
	ID             string      `json:"id"`
	Title          string      `json:"title"`
	Description    string      `json:"description"`
	UpstreamID     string      `json:"upstream_id"`
	Type           string      `json:"type"`
	Author         string      `json:"author"`
	Source         string      `json:"source"`
	Attack         []Technique `json:"mitre_attack"`
	KillChain      []string    `json:"kill_chain_phases"`
	NIST           []string    `json:"nist"`
	CIS            []string    `json:"cis20"`
	Risk           Risk        `json:"risk"`
	References     []string    `json:"references"`
	RequiredFields []string    `json:"required_fields"`
	By             []string    `json:"by"`
	// File is the Rego file that defines the detection.
	File string `json:"file"`
}

// AttackIDs returns the ATT&CK technique ids in metadata order.
func (d Detection) AttackIDs() []string {
	ids := make([]string, 0, len(d.Attack))
	for _, t := range d.Attack {
		ids = append(ids, t.ID)
	}
	return ids
}

var riskVar = regexp.MustCompile(`\$([A-Za-z0-9_.]+)\$`)

// RiskMessage renders the risk message template for a row's by-values
// (aligned with By). A $field$ that names no by-field is left as written; a
// null value renders as "null".
func (d Detection) RiskMessage(values []*string) string {
	return riskVar.ReplaceAllStringFunc(d.Risk.Message, func(m string) string {
		i := slices.Index(d.By, m[1:len(m)-1])
		if i < 0 || i >= len(values) {
			return m
		}
		if values[i] == nil {
			return "null"
		}
		return *values[i]
	})
}
