package printer_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/kasse/kasse/drivers/printer"
)

func ExampleDoc() {
	d := printer.NewDoc(printer.CP865, printer.Columns80mm)
	d.Align(printer.AlignCenter).Bold(true).Size(2, 2).Line("Bakeriet").Normal()
	d.Rule()
	d.Columns("Skillingsbolle", "32,00")
	d.Bold(true).Columns("TOTALT", "kr 32,00").Bold(false)
	d.Align(printer.AlignCenter).QR("https://kasse.example/r/1", printer.QROptions{})
	d.Feed(2).Cut(printer.CutPartial).Kick(printer.Pin2, 100*time.Millisecond, 100*time.Millisecond)
	b, err := d.Bytes()
	fmt.Println(len(b) > 0, err)
	// Output: true <nil>
}

func ExampleQueue() {
	cfg := printer.DefaultConfig()
	cfg.Name = "receipt-1"
	cfg.Transport = printer.TCP{Addr: "192.0.2.10:9100"}
	cfg.Logger = slog.Default()
	q, err := printer.New(cfg)
	if err != nil {
		panic(err) // a configuration mistake
	}
	defer q.Close()
	if ok, err := q.Init(); !ok {
		fmt.Println("printer skipped:", err)
	} else if err != nil {
		fmt.Println("printer not reachable yet; jobs wait for it:", err)
	}
	go func() {
		for e := range q.Events() {
			fmt.Println(e) // e.g. forward to the registers
		}
	}()
	data, _ := printer.NewDoc(printer.CP865, printer.Columns80mm).Line("Hei").Cut(printer.CutFull).Bytes()
	_ = q.Submit(context.Background(), printer.Job{ID: "sale-42/receipt", Data: data})
}
