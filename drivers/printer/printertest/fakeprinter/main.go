// Command fakeprinter runs the ESC/POS stand-in on a TCP port, to try a
// hub against it by hand. It prints what comes out on paper to stdout
// and takes commands on stdin:
//
//	paper out | paper in | paper N (a roll of N lines)
//	cover open | cover shut | drawer open | drawer shut
//	cutter jam | cutter ok | unplug | plug | off | on | status
//
// Usage: go run ./drivers/printer/printertest/fakeprinter -addr :9100
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"

	"github.com/kasse/kasse/drivers/printer/printertest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9100", "address to listen on")
	cols := flag.Int("columns", 48, "characters per line (48, 42 or 32)")
	flag.Parse()

	p, err := printertest.Listen(*addr, printertest.Config{Columns: *cols})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	log.Printf("printer listening on %s", p.Addr())

	go func() { // show paper as it comes out
		shown := 0
		for {
			err := p.Wait(context.Background(), func(s printertest.Snapshot) bool { return s.Lines > shown })
			if err != nil {
				return
			}
			lines := p.Lines()
			for _, l := range lines[shown:] {
				fmt.Println("| " + l)
			}
			shown = len(lines)
		}
	}()

	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		cmd := strings.Fields(strings.ToLower(in.Text()))
		if len(cmd) == 0 {
			continue
		}
		arg := ""
		if len(cmd) > 1 {
			arg = cmd[1]
		}
		switch cmd[0] + " " + arg {
		case "paper out":
			p.SetPaperOut(true)
		case "paper in":
			p.SetPaperOut(false)
		case "cover open":
			p.SetCoverOpen(true)
		case "cover shut", "cover close":
			p.SetCoverOpen(false)
		case "drawer open":
			p.SetDrawerOpen(true)
		case "drawer shut", "drawer close":
			p.SetDrawerOpen(false)
		case "cutter jam":
			p.SetCutterError(true)
		case "cutter ok":
			p.SetCutterError(false)
		case "unplug ":
			p.Unplug()
		case "plug ":
			p.Plug()
		case "off ":
			p.PowerOff()
		case "on ":
			if err := p.PowerOn(); err != nil {
				log.Print(err)
			}
		case "status ":
		default:
			if n, err := strconv.Atoi(arg); cmd[0] == "paper" && err == nil {
				p.PaperLeft(n)
				break
			}
			log.Printf("unknown command %q", in.Text())
			continue
		}
		log.Printf("%+v", p.Snapshot())
	}
}
