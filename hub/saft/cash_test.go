package saft

import (
	"encoding/xml"
	"reflect"
	"testing"
)

// TestExportCashMovements: the day's float, cash in, bank drop and count
// are cashtransactions of their transaction types with the amount each did
// to the drawer, a cash payment of it, and no lines.
func TestExportCashMovements(t *testing.T) {
	out := export(t, day(t))
	var doc struct {
		Registers []struct {
			ID    string `xml:"registerID"`
			Trans []struct {
				Nr          string     `xml:"nr"`
				TransID     string     `xml:"transID"`
				TransType   string     `xml:"transType"`
				TransAmntIn string     `xml:"transAmntIn"`
				TransAmntEx string     `xml:"transAmntEx"`
				AmntTp      string     `xml:"amntTp"`
				Desc        string     `xml:"desc"`
				Lines       []struct{} `xml:"ctLine"`
				Payments    []struct {
					PaymentType string `xml:"paymentType"`
					PaidAmnt    string `xml:"paidAmnt"`
				} `xml:"payment"`
			} `xml:"cashtransaction"`
			Events []struct {
				EventType string `xml:"eventType"`
				TransID   string `xml:"transID"`
			} `xml:"event"`
		} `xml:"company>location>cashregister"`
	}
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	type move struct{ Nr, Type, In, Ex, Tp, Desc, Pay, Paid string }
	var got []move
	events := map[string]string{}
	for _, r := range doc.Registers {
		for _, e := range r.Events {
			if e.TransID != "" {
				events[e.TransID] = e.EventType
			}
		}
		for _, c := range r.Trans {
			switch c.TransType {
			case "CASHDECL", "PAYIN", "PAYOUT", "CASHDIFF":
			default:
				continue
			}
			if len(c.Lines) != 0 || len(c.Payments) != 1 {
				t.Errorf("%s: %d lines, %d payments", c.TransID, len(c.Lines), len(c.Payments))
				continue
			}
			if events[c.TransID] == "" {
				t.Errorf("%s: no event names the transaction", c.TransID)
			}
			got = append(got, move{c.Nr, c.TransType, c.TransAmntIn, c.TransAmntEx, c.AmntTp, c.Desc, c.Payments[0].PaymentType, c.Payments[0].PaidAmnt})
		}
	}
	// K1 signs the float (1), cash in (2), the cash sale, the card sale and
	// the return (3–5), the bank drop (6) and the count (7).
	want := []move{
		{"1", "CASHDECL", "1000.00", "1000.00", "C", "float; session D-1", "CASH", "1000.00"},
		{"2", "PAYIN", "200.00", "200.00", "C", "in; reason veksel; session D-1", "CASH", "200.00"},
		{"6", "PAYOUT", "-500.00", "-500.00", "D", "bankdrop; reason til banken; session D-1; approved by E2", "CASH", "-500.00"},
		{"7", "CASHDIFF", "-2.00", "-2.00", "D", "count; session D-1; note kveld", "CASH", "-2.00"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("cash movements:\n got %+v\nwant %+v", got, want)
	}
}
