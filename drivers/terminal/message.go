package terminal

import "encoding/json"

// nexo Sale-to-POI JSON, only the fields Kasse sends or reads. Field names
// are the wire names. Nothing here has room for card numbers, track data,
// CVV or PIN; SensitiveCardData is only noticed (see presence).

const (
	protocolVersion = "3.0"
	classService    = "Service"
	typeRequest     = "Request"
	typeResponse    = "Response"

	categoryPayment  = "Payment"
	categoryReversal = "Reversal"
	categoryAbort    = "Abort"
	categoryStatus   = "TransactionStatus"

	resultSuccess = "Success"
	resultFailure = "Failure"
	resultPartial = "Partial"

	currencyNOK = "NOK"
)

type envelope struct {
	Request  *saleToPOIRequest  `json:"SaleToPOIRequest,omitempty"`
	Response *saleToPOIResponse `json:"SaleToPOIResponse,omitempty"`
}

type messageHeader struct {
	ProtocolVersion string `json:",omitempty"`
	MessageClass    string
	MessageCategory string
	MessageType     string
	ServiceID       string `json:",omitempty"`
	SaleID          string
	POIID           string
}

type saleToPOIRequest struct {
	MessageHeader            messageHeader
	PaymentRequest           *paymentRequest           `json:",omitempty"`
	ReversalRequest          *reversalRequest          `json:",omitempty"`
	AbortRequest             *abortRequest             `json:",omitempty"`
	TransactionStatusRequest *transactionStatusRequest `json:",omitempty"`
	// Only in a terminal's answer: a Reject event naming a refused request.
	EventNotification *eventNotification `json:",omitempty"`
}

type paymentRequest struct {
	SaleData           saleData
	PaymentTransaction paymentTransaction
	PaymentData        *paymentData `json:",omitempty"`
}

type saleData struct {
	SaleTransactionID transactionID
}

type transactionID struct {
	TransactionID string
	TimeStamp     string `json:",omitempty"`
}

type paymentTransaction struct {
	AmountsReq amountsReq
}

type amountsReq struct {
	Currency        string
	RequestedAmount json.Number
	TipAmount       json.Number `json:",omitempty"`
}

type paymentData struct {
	PaymentType string
}

type reversalRequest struct {
	OriginalPOITransaction originalPOITransaction
	ReversalReason         string
	ReversedAmount         json.Number `json:",omitempty"`
	SaleData               *saleData   `json:",omitempty"`
}

type originalPOITransaction struct {
	POITransactionID transactionID
}

type abortRequest struct {
	AbortReason      string
	MessageReference messageReference
}

type messageReference struct {
	MessageCategory string `json:",omitempty"`
	ServiceID       string `json:",omitempty"`
	SaleID          string `json:",omitempty"`
	POIID           string `json:",omitempty"`
}

type transactionStatusRequest struct {
	MessageReference *messageReference `json:",omitempty"`
}

type eventNotification struct {
	EventToNotify string
	EventDetails  string `json:",omitempty"`
	TimeStamp     string `json:",omitempty"`
}

type saleToPOIResponse struct {
	MessageHeader             messageHeader
	PaymentResponse           *paymentResponse           `json:",omitempty"`
	ReversalResponse          *reversalResponse          `json:",omitempty"`
	TransactionStatusResponse *transactionStatusResponse `json:",omitempty"`
}

type response struct {
	Result             string
	ErrorCondition     string `json:",omitempty"`
	AdditionalResponse string `json:",omitempty"`
}

type paymentResponse struct {
	Response      response
	SaleData      *saleData      `json:",omitempty"`
	POIData       *poiData       `json:",omitempty"`
	PaymentResult *paymentResult `json:",omitempty"`
}

type poiData struct {
	POITransactionID transactionID
}

type paymentResult struct {
	PaymentType           string                 `json:",omitempty"`
	AmountsResp           *amountsResp           `json:",omitempty"`
	PaymentInstrumentData *paymentInstrumentData `json:",omitempty"`
	PaymentAcquirerData   *paymentAcquirerData   `json:",omitempty"`
}

type amountsResp struct {
	Currency         string      `json:",omitempty"`
	AuthorizedAmount json.Number `json:",omitempty"`
	TipAmount        json.Number `json:",omitempty"`
}

type paymentInstrumentData struct {
	PaymentInstrumentType string    `json:",omitempty"`
	CardData              *cardData `json:",omitempty"`
}

type cardData struct {
	PaymentBrand string `json:",omitempty"`
	MaskedPan    string `json:",omitempty"`
	// nexo's SensitiveCardData holds the PAN and track data. It should never
	// reach a semi-integrated POS; if it does, its content is discarded
	// while decoding and a warning is logged.
	SensitiveCardData presence `json:",omitempty"`
}

type paymentAcquirerData struct {
	ApprovalCode string `json:",omitempty"`
}

type reversalResponse struct {
	Response       response
	POIData        *poiData    `json:",omitempty"`
	ReversedAmount json.Number `json:",omitempty"`
}

type transactionStatusResponse struct {
	Response                response
	MessageReference        *messageReference        `json:",omitempty"`
	RepeatedMessageResponse *repeatedMessageResponse `json:",omitempty"`
}

type repeatedMessageResponse struct {
	MessageHeader               messageHeader
	RepeatedResponseMessageBody repeatedResponseMessageBody
}

type repeatedResponseMessageBody struct {
	PaymentResponse  *paymentResponse  `json:",omitempty"`
	ReversalResponse *reversalResponse `json:",omitempty"`
}

// presence records that a JSON field was there and drops its content.
type presence bool

func (p *presence) UnmarshalJSON(b []byte) error {
	*p = string(b) != "null"
	return nil
}

func (p presence) MarshalJSON() ([]byte, error) { return []byte("null"), nil }

func (p presence) IsZero() bool { return !bool(p) }
