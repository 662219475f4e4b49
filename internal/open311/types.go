// Package open311 is Tongxin's Open311 GeoReport v2 endpoint
// (http://wiki.open311.org/GeoReport_v2, DESIGN §3 and §5.2): third-party
// apps list the case categories as services, file cases as service requests
// with an API key, and follow the public side of every case in the
// jurisdiction. It is an adapter over the case engine (internal/cases): it
// holds no rules of its own beyond the protocol's, and it shows nothing of a
// case but the fields the specification makes public — never who reported it.
//
// Every answer, errors included, is in the specification's format and status
// codes (404 for what does not exist, 403 for a missing or wrong api_key, 400
// for anything else), as JSON or XML after the extension of the path; never
// the RFC 9457 problems of /api/v1.
package open311

import (
	"encoding/json"
	"encoding/xml"
	"strconv"
	"time"

	"github.com/tongxin/tongxin/internal/platform/clock"
)

// Specification is the token of the specification served (Service Discovery).
const Specification = "http://wiki.open311.org/GeoReport_v2"

// Discovery is the service discovery document (discovery.{json|xml}).
type Discovery struct {
	XMLName    xml.Name   `json:"-" xml:"discovery"`
	Changeset  string     `json:"changeset" xml:"changeset"`
	Contact    string     `json:"contact" xml:"contact"`
	KeyService string     `json:"key_service" xml:"key_service"`
	Endpoints  []Endpoint `json:"endpoints" xml:"endpoints>endpoint"`
}

// Endpoint is one API endpoint of the discovery document.
type Endpoint struct {
	Specification string   `json:"specification" xml:"specification"`
	URL           string   `json:"url" xml:"url"`
	Changeset     string   `json:"changeset" xml:"changeset"`
	Type          string   `json:"type" xml:"type"` // production | test
	Formats       []string `json:"formats" xml:"formats>format"`
}

// Service is a request type: one active 小类 of the case taxonomy.
type Service struct {
	ServiceCode string `json:"service_code" xml:"service_code"`
	ServiceName string `json:"service_name" xml:"service_name"`
	Description string `json:"description" xml:"description"`
	Metadata    bool   `json:"metadata" xml:"metadata"` // true: it has attributes (extra fields)
	Type        string `json:"type" xml:"type"`         // always realtime: the id comes back at once
	Keywords    string `json:"keywords" xml:"keywords"`
	Group       string `json:"group" xml:"group"` // the 大类
}

// Definition is a service's attributes (services/{service_code}.{json|xml}).
type Definition struct {
	XMLName     xml.Name    `json:"-" xml:"service_definition"`
	ServiceCode string      `json:"service_code" xml:"service_code"`
	Attributes  []Attribute `json:"attributes" xml:"attributes>attribute"`
}

// Attribute is one extra field of a category.
type Attribute struct {
	Variable            bool     `json:"variable" xml:"variable"`
	Code                string   `json:"code" xml:"code"`
	Datatype            string   `json:"datatype" xml:"datatype"` // string | number | datetime | text | singlevaluelist | multivaluelist
	Required            bool     `json:"required" xml:"required"`
	DatatypeDescription optText  `json:"datatype_description" xml:"datatype_description"`
	Order               int      `json:"order" xml:"order"`
	Description         string   `json:"description" xml:"description"`
	Values              []Option `json:"values,omitempty" xml:"-"` // <values><value>… by MarshalXML
}

// MarshalXML writes <values> for lists only: encoding/xml would write an
// empty <values/> for every other attribute.
func (a Attribute) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type attribute Attribute // without this method
	type values struct {
		Values []Option `xml:"value"`
	}
	out := struct {
		attribute
		Values *values `xml:"values,omitempty"`
	}{attribute: attribute(a)}
	if len(a.Values) > 0 {
		out.Values = &values{a.Values}
	}
	return e.EncodeElement(out, start)
}

// Option is a value of a single- or multi-value list.
type Option struct {
	Key  string `json:"key" xml:"key"`
	Name string `json:"name" xml:"name"`
}

// Request is the public view of a case (GET requests). It carries no
// reporter: no name, phone, email, device or account.
type Request struct {
	ServiceRequestID  string    `json:"service_request_id" xml:"service_request_id"`
	Status            string    `json:"status" xml:"status"` // open | closed
	StatusNotes       optText   `json:"status_notes" xml:"status_notes"`
	ServiceName       string    `json:"service_name" xml:"service_name"`
	ServiceCode       string    `json:"service_code" xml:"service_code"`
	Description       optText   `json:"description" xml:"description"`
	AgencyResponsible optText   `json:"agency_responsible" xml:"agency_responsible"`
	ServiceNotice     optText   `json:"service_notice" xml:"service_notice"`
	RequestedDatetime string    `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime   string    `json:"updated_datetime" xml:"updated_datetime"`
	ExpectedDatetime  optText   `json:"expected_datetime" xml:"expected_datetime"`
	Address           optText   `json:"address" xml:"address"`
	AddressID         optText   `json:"address_id" xml:"address_id"`
	Zipcode           optText   `json:"zipcode" xml:"zipcode"`
	Lat               optNumber `json:"lat" xml:"lat"`
	Long              optNumber `json:"long" xml:"long"`
	MediaURL          optText   `json:"media_url" xml:"media_url"`
}

// Created answers POST requests. Requests are created at once, so it holds
// the service_request_id and never a token.
type Created struct {
	ServiceRequestID string  `json:"service_request_id" xml:"service_request_id"`
	ServiceNotice    optText `json:"service_notice" xml:"service_notice"`
	AccountID        optText `json:"account_id" xml:"account_id"`
}

// TokenAnswer answers tokens/{token}: our tokens are the ids themselves.
type TokenAnswer struct {
	ServiceRequestID string `json:"service_request_id" xml:"service_request_id"`
	Token            string `json:"token" xml:"token"`
}

// Error is one entry of an error answer. Code is the HTTP status of the
// error; Description names the parameter and the rule it broke.
type Error struct {
	Code        int    `json:"code" xml:"code"`
	Description string `json:"description" xml:"description"`
}

// The XML documents wrap the lists in the specification's root elements.
type (
	xmlServices struct {
		XMLName  xml.Name  `xml:"services"`
		Services []Service `xml:"service"`
	}
	xmlRequests[T any] struct {
		XMLName  xml.Name `xml:"service_requests"`
		Requests []T      `xml:"request"`
	}
	xmlErrors struct {
		XMLName xml.Name `xml:"errors"`
		Errors  []Error  `xml:"error"`
	}
)

// optText is a string that is null in JSON when empty (and an empty element
// in XML), as in the specification's examples.
type optText string

func (s optText) MarshalJSON() ([]byte, error) {
	if s == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(s))
}

func (s *optText) UnmarshalJSON(b []byte) error {
	var v *string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = ""
	if v != nil {
		*s = optText(*v)
	}
	return nil
}

// optNumber is a decimal number kept as its text: a JSON number, or null
// when empty.
type optNumber string

func number(f *float64) optNumber {
	if f == nil {
		return ""
	}
	return optNumber(strconv.FormatFloat(*f, 'f', -1, 64))
}

func (n optNumber) MarshalJSON() ([]byte, error) {
	if n == "" {
		return []byte("null"), nil
	}
	return []byte(n), nil
}

func (n *optNumber) UnmarshalJSON(b []byte) error {
	var v *json.Number
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*n = ""
	if v != nil {
		*n = optNumber(*v)
	}
	return nil
}

// w3c formats a time in the W3C profile of ISO 8601 with the offset of
// Asia/Shanghai (+08:00): deployments read local time.
func w3c(t time.Time) string { return t.In(clock.Shanghai).Format(time.RFC3339) }

func optTime(t *time.Time) optText {
	if t == nil {
		return ""
	}
	return optText(w3c(*t))
}
