package terminaltest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"time"
)

// The stand-in's own view of nexo JSON, written from the message
// specification rather than shared with package terminal, so that a
// misspelt or misplaced field on either side shows up as a failure instead
// of agreeing with itself. Requests are decoded strictly (unknown fields are
// refused), which is stricter than a real terminal on purpose.

type reqEnvelope struct {
	SaleToPOIRequest *reqMessage
}

type header struct {
	ProtocolVersion string `json:",omitempty"`
	MessageClass    string
	MessageCategory string
	MessageType     string
	ServiceID       string `json:",omitempty"`
	SaleID          string
	POIID           string
}

type reqMessage struct {
	MessageHeader            header
	PaymentRequest           *payReq    `json:",omitempty"`
	ReversalRequest          *revReq    `json:",omitempty"`
	AbortRequest             *abortReq  `json:",omitempty"`
	TransactionStatusRequest *statusReq `json:",omitempty"`
}

type txIdent struct {
	TransactionID string
	TimeStamp     string `json:",omitempty"`
}

type saleData struct {
	SaleTransactionID  txIdent
	SaleToAcquirerData string `json:",omitempty"`
}

type payReq struct {
	SaleData           saleData
	PaymentTransaction struct {
		AmountsReq struct {
			Currency        string
			RequestedAmount json.Number
			TipAmount       json.Number `json:",omitempty"`
		}
	}
	PaymentData *struct {
		PaymentType string
	} `json:",omitempty"`
}

type revReq struct {
	OriginalPOITransaction struct {
		POITransactionID txIdent
	}
	ReversalReason string
	ReversedAmount json.Number `json:",omitempty"`
	SaleData       *saleData   `json:",omitempty"`
}

type msgRef struct {
	MessageCategory string `json:",omitempty"`
	ServiceID       string `json:",omitempty"`
	SaleID          string `json:",omitempty"`
	POIID           string `json:",omitempty"`
}

type abortReq struct {
	AbortReason      string
	MessageReference msgRef
}

type statusReq struct {
	MessageReference   *msgRef  `json:",omitempty"`
	ReceiptReprintFlag bool     `json:",omitempty"`
	DocumentQualifier  []string `json:",omitempty"`
}

// Replies.

type respEnvelope struct {
	SaleToPOIResponse *respMessage `json:",omitempty"`
	// A Reject event comes back in a SaleToPOIRequest, as Adyen does it.
	SaleToPOIRequest *rejectMessage `json:",omitempty"`
}

type respMessage struct {
	MessageHeader             header
	PaymentResponse           *payResp    `json:",omitempty"`
	ReversalResponse          *revResp    `json:",omitempty"`
	TransactionStatusResponse *statusResp `json:",omitempty"`
}

type rejectMessage struct {
	MessageHeader     header
	EventNotification struct {
		EventToNotify string
		EventDetails  string
		TimeStamp     string
	}
}

type result struct {
	Result             string
	ErrorCondition     string `json:",omitempty"`
	AdditionalResponse string `json:",omitempty"`
}

type poiData struct {
	POITransactionID    txIdent
	POIReconciliationID string `json:",omitempty"`
}

type payResp struct {
	Response      result
	SaleData      saleData
	POIData       poiData
	PaymentResult *payResult `json:",omitempty"`
}

type payResult struct {
	PaymentType string
	OnlineFlag  bool
	AmountsResp *struct {
		Currency         string
		AuthorizedAmount json.Number
		TipAmount        json.Number `json:",omitempty"`
	} `json:",omitempty"`
	PaymentInstrumentData struct {
		PaymentInstrumentType string
		CardData              struct {
			PaymentBrand string
			MaskedPan    string
			EntryMode    []string
			// SensitiveCardData is what a misconfigured terminal may send
			// a sale system: the full number and track data.
			SensitiveCardData *sensitiveCardData `json:",omitempty"`
		}
	}
	PaymentAcquirerData struct {
		AcquirerPOIID string
		MerchantID    string
		ApprovalCode  string `json:",omitempty"`
	}
}

type revResp struct {
	Response               result
	POIData                *poiData    `json:",omitempty"`
	ReversedAmount         json.Number `json:",omitempty"`
	OriginalPOITransaction *struct {
		POITransactionID txIdent
	} `json:",omitempty"`
}

type statusResp struct {
	Response                result
	MessageReference        *msgRef `json:",omitempty"`
	RepeatedMessageResponse *struct {
		MessageHeader               header
		RepeatedResponseMessageBody struct {
			PaymentResponse  *payResp `json:",omitempty"`
			ReversalResponse *revResp `json:",omitempty"`
		}
	} `json:",omitempty"`
}

// Amounts as a terminal accepts them: kroner with at most two decimals, no
// sign, no exponent, at most 99 999 999.99.
var amountSyntax = regexp.MustCompile(`^(0|[1-9][0-9]{0,7})(\.[0-9]{1,2})?$`)

// parseKroner turns "123.4" into 12340 øre.
func parseKroner(n json.Number) (int64, bool) {
	m := amountSyntax.FindStringSubmatch(string(n))
	if m == nil {
		return 0, false
	}
	var kr, øre int64
	for _, c := range m[1] {
		kr = kr*10 + int64(c-'0')
	}
	frac := m[2]
	if frac != "" {
		frac = frac[1:]
		if len(frac) == 1 {
			frac += "0"
		}
		øre = int64(frac[0]-'0')*10 + int64(frac[1]-'0')
	}
	return kr*100 + øre, true
}

func kroner(øre int64) json.Number {
	return json.Number(fmt.Sprintf("%d.%02d", øre/100, øre%100))
}

func stamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

type sensitiveCardData struct {
	PAN         string
	ExpiryDate  string
	TrackData   []struct{ TrackValue string }
	CardSeqNumb string `json:",omitempty"`
}
