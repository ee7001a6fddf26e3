package saft

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// The schema wants each register's events before its cashtransactions,
// and the master data (articles, VAT codes) that the transactions use
// before every register. One walk of the journal therefore writes each
// register's events and transactions, already as the file's bytes, to two
// spill files of its own; the document is then written from the master
// data and these files in order. Disk holds the period's XML once more
// while the export runs; memory holds only buffers.

// registerDepth is how deep a register's events and transactions sit:
// auditfile > company > location > cashregister > event.
const registerDepth = 4

// copyMark brackets a sale id (in hex) where its receiptCopyNum goes: a
// copy is journaled after the sale, so the count is known only at the end.
// NUL never occurs in written XML (escape turns it into U+FFFD).
const copyMark = '\x00'

type spill struct {
	f *os.File
	b *bufio.Writer
	x *xw
}

// registerSpills are the spill files of one register.
type registerSpills struct {
	n             int // file names are by number: register ids are free text
	events, trans *spill
}

type spills struct {
	dir  string
	regs map[string]*registerSpills
}

func newSpills(parent string, registers []string) (*spills, error) {
	if parent == "" {
		parent = os.TempDir()
	}
	dir, err := os.MkdirTemp(parent, "saft-*")
	if err != nil {
		return nil, fmt.Errorf("saft: spill directory: %w", err)
	}
	s := &spills{dir: dir, regs: map[string]*registerSpills{}}
	for i, r := range registers {
		s.regs[r] = &registerSpills{n: i}
	}
	return s, nil
}

// get returns the spill of register reg's events or transactions, nil for
// a register that is not exported.
func (s *spills) get(reg string, trans bool) (*xw, error) {
	rs := s.regs[reg]
	if rs == nil {
		return nil, nil
	}
	sp, kind := &rs.events, "events"
	if trans {
		sp, kind = &rs.trans, "transactions"
	}
	if *sp == nil {
		f, err := os.Create(filepath.Join(s.dir, fmt.Sprintf("%d-%s", rs.n, kind)))
		if err != nil {
			return nil, fmt.Errorf("saft: spill file: %w", err)
		}
		b := bufio.NewWriterSize(f, 64<<10)
		*sp = &spill{f: f, b: b, x: newXW(b, registerDepth)}
	}
	return (*sp).x, nil
}

// writeTo appends register reg's events, then its transactions, to w,
// filling in the copy counts.
func (s *spills) writeTo(w *bufio.Writer, reg string, copies map[string]int) error {
	rs := s.regs[reg]
	if rs == nil {
		return nil
	}
	for _, sp := range []*spill{rs.events, rs.trans} {
		if sp == nil {
			continue
		}
		if err := sp.b.Flush(); err != nil {
			return fmt.Errorf("saft: spill file: %w", err)
		}
		if _, err := sp.f.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("saft: spill file: %w", err)
		}
		if err := unspill(w, sp.f, copies); err != nil {
			return fmt.Errorf("saft: spill file: %w", err)
		}
	}
	return nil
}

// unspill copies a spill to w, replacing each copy mark by the sale's
// count of copies (the schema allows at most 999).
func unspill(w *bufio.Writer, r io.Reader, copies map[string]int) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		chunk, err := br.ReadSlice(copyMark)
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			w.Write(chunk)
			continue
		case errors.Is(err, io.EOF):
			w.Write(chunk)
			return nil
		case err != nil:
			return err
		}
		w.Write(chunk[:len(chunk)-1])
		id, err := br.ReadSlice(copyMark)
		if err != nil {
			return fmt.Errorf("unterminated copy mark: %w", err)
		}
		sale, err := hex.DecodeString(string(id[:len(id)-1]))
		if err != nil {
			return fmt.Errorf("copy mark: %w", err)
		}
		w.WriteString(strconv.Itoa(min(copies[string(sale)], 999)))
	}
}

// markCopies writes the copy mark of sale.
func markCopies(x *xw, sale string) {
	x.w.WriteByte(copyMark)
	x.raw(hex.EncodeToString([]byte(sale)))
	x.w.WriteByte(copyMark)
}

// close removes the spill files.
func (s *spills) close() error {
	var errs []error
	for _, rs := range s.regs {
		for _, sp := range []*spill{rs.events, rs.trans} {
			if sp != nil {
				errs = append(errs, sp.f.Close())
			}
		}
	}
	errs = append(errs, os.RemoveAll(s.dir))
	return errors.Join(errs...)
}
