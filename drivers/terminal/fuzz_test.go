package terminal

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

var responseSeeds = []string{
	`{"SaleToPOIResponse":{"MessageHeader":{"ProtocolVersion":"3.0","MessageClass":"Service","MessageCategory":"Payment","MessageType":"Response","ServiceID":"abc","SaleID":"S","POIID":"P"},
	  "PaymentResponse":{"Response":{"Result":"Success","AdditionalResponse":"message=Approved"},
	  "SaleData":{"SaleTransactionID":{"TransactionID":"t1","TimeStamp":"2025-01-02T10:00:00.000Z"}},
	  "POIData":{"POITransactionID":{"TransactionID":"KST1","TimeStamp":"2025-01-02T10:00:01.000Z"}},
	  "PaymentResult":{"PaymentType":"Normal","AmountsResp":{"Currency":"NOK","AuthorizedAmount":123.45},
	  "PaymentInstrumentData":{"PaymentInstrumentType":"Card","CardData":{"PaymentBrand":"VISA","MaskedPan":"4111111111111111","SensitiveCardData":{"PAN":"4111111111111111"}}},
	  "PaymentAcquirerData":{"ApprovalCode":"123456"}}}}}`,
	`{"SaleToPOIResponse":{"MessageHeader":{"MessageCategory":"Payment","ServiceID":"abc"},"PaymentResponse":{"Response":{"Result":"Failure","ErrorCondition":"Refusal","AdditionalResponse":"refusalReason=4111111111111111"}}}}`,
	`{"SaleToPOIResponse":{"MessageHeader":{"MessageCategory":"Payment","ServiceID":"abc"},"PaymentResponse":{"Response":{"Result":"Partial"},"PaymentResult":{"AmountsResp":{"AuthorizedAmount":1e2}}}}}`,
	`{"SaleToPOIResponse":{"MessageHeader":{"MessageCategory":"TransactionStatus","ServiceID":"q"},"TransactionStatusResponse":{"Response":{"Result":"Success"},
	  "RepeatedMessageResponse":{"MessageHeader":{"MessageCategory":"Payment","ServiceID":"abc"},"RepeatedResponseMessageBody":{"PaymentResponse":{"Response":{"Result":"Success","AdditionalResponse":"reversed=true"},"PaymentResult":{"AmountsResp":{"AuthorizedAmount":"0.01"}}}}}}}}`,
	`{"SaleToPOIResponse":{"MessageHeader":{"MessageCategory":"TransactionStatus","ServiceID":"q"},"TransactionStatusResponse":{"Response":{"Result":"Failure","ErrorCondition":"InProgress"}}}}`,
	`{"SaleToPOIResponse":{"MessageHeader":{"MessageCategory":"TransactionStatus","ServiceID":"q"},"TransactionStatusResponse":{"Response":{"Result":"Failure","ErrorCondition":"NotFound"}}}}`,
	`{"SaleToPOIResponse":{"MessageHeader":{"MessageCategory":"TransactionStatus","ServiceID":"q"},"TransactionStatusResponse":{"Response":{"Result":"Success"},
	  "RepeatedMessageResponse":{"MessageHeader":{"MessageCategory":"Reversal","ServiceID":"abc"},"RepeatedResponseMessageBody":{"ReversalResponse":{"Response":{"Result":"Success"},"ReversedAmount":10}}}}}}`,
	`{"SaleToPOIResponse":{"MessageHeader":{"MessageCategory":"Reversal","ServiceID":"abc"},"ReversalResponse":{"Response":{"Result":"Failure","ErrorCondition":"NotAllowed"}}}}`,
	`{"SaleToPOIRequest":{"MessageHeader":{"MessageCategory":"Event"},"EventNotification":{"EventToNotify":"Reject","EventDetails":"message=Wrong+POIID"}}}`,
	`{"SaleToPOIResponse":{"PaymentResponse":{"Response":{"Result":"Success"},"PaymentResult":{"AmountsResp":{"AuthorizedAmount":-1}}}}}`,
	`{"SaleToPOIResponse":{"PaymentResponse":{"PaymentResult":{"AmountsResp":{"AuthorizedAmount":4111111111111111}}}}}`,
	`null`, `[]`, `{}`, `{"SaleToPOIResponse":null}`, ``, `{"SaleToPOIResponse":{"PaymentResponse":{"Response":{"Result":"Success"},"PaymentResult":{}}}}`,
}

// FuzzDecodeResponse feeds arbitrary bytes to everything that reads a
// terminal's reply: it must never panic, every error must say whether the
// outcome is unknown or the message was rejected, and nothing that comes
// out may hold a Luhn-valid card number.
func FuzzDecodeResponse(f *testing.F) {
	for _, s := range responseSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		resp, err := decodeResponse(body)
		if err != nil {
			checkErr(t, err)
			return
		}
		check := func(d decoded, err error) {
			if err != nil {
				checkErr(t, err)
				return
			}
			if d.Outcome < Approved || d.Outcome > Reversed {
				t.Fatalf("outcome %d with nil error", d.Outcome)
			}
			if d.AuthorizedØre < 0 {
				t.Fatalf("negative amount %d", d.AuthorizedØre)
			}
			for _, s := range []string{d.MaskedPAN, d.Brand, d.ApprovalCode, d.Message, d.Condition} {
				if _, found := scrubText(s); found {
					t.Fatalf("card number left in %q", s)
				}
				if len(s) > maxMessage {
					t.Fatalf("field of %d bytes", len(s))
				}
			}
			if digits, ok := onlyDigits(d.MaskedPAN); ok && len(digits) >= minPAN && len(digits) <= maxPAN {
				t.Fatalf("MaskedPAN %q is unmasked", d.MaskedPAN)
			}
		}
		_ = checkHeader(resp.MessageHeader, categoryPayment, "abc")
		check(paymentOutcome(resp.PaymentResponse))
		check(reversalOutcome(resp.ReversalResponse))
		check(statusOutcome(resp.TransactionStatusResponse, categoryPayment, "abc"))
		check(statusOutcome(resp.TransactionStatusResponse, categoryReversal, "abc"))
	})
}

func checkErr(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrUnknownOutcome) && !errors.Is(err, ErrRejected) {
		t.Fatalf("error %v is neither ErrUnknownOutcome nor ErrRejected", err)
	}
	if _, found := scrubText(err.Error()); found {
		t.Fatalf("error text quotes a card number: %v", err)
	}
}

// FuzzParseØre: never panics; whatever it accepts comes back unchanged
// through formatØre.
func FuzzParseØre(f *testing.F) {
	for _, s := range []string{"0", "0.01", "123.45", "1e2", "99999999.99", "-1", "1.005", "92233720368547758.07"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseØre(json.Number(s))
		if err != nil {
			return
		}
		if v < 0 {
			t.Fatalf("parseØre(%q) = %d", s, v)
		}
		if !json.Valid([]byte(s)) || strings.ContainsAny(s, "-") && !strings.ContainsAny(s, "eE") {
			t.Fatalf("parseØre accepted %q", s)
		}
		back, err := parseØre(formatØre(v))
		if err != nil || back != v {
			t.Fatalf("round trip of %d (from %q) gave %d, %v", v, s, back, err)
		}
	})
}
