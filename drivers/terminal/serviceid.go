package terminal

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"strconv"
	"strings"
)

// serviceIDLen is nexo's limit for MessageHeader.ServiceID.
const serviceIDLen = 10

// serviceIDSpace is 36^10: ten base-36 characters.
const serviceIDSpace = 3_656_158_440_062_976

// ServiceID returns the nexo ServiceID the driver uses for the payment,
// refund or reversal whose attempt id is txID: ten lowercase base-36
// characters taken from SHA-256 of the id. The same txID always gives the
// same ServiceID, on any hub and after any restart, so Status can find a
// payment the hub crashed in the middle of.
//
// Terminals want ServiceIDs unique per terminal for about 48 hours; with
// about 51.7 bits, the chance that two of a shop's attempts in that window
// collide is negligible (about 1 in 7·10⁹ at 1000 attempts).
func ServiceID(txID string) string {
	sum := sha256.Sum256([]byte("kasse/terminal/service-id\x00" + txID))
	return base36(binary.BigEndian.Uint64(sum[:8]))
}

// oneOffServiceID names a message that nothing refers to later (status
// queries, aborts): random, so two queries never share an id.
func oneOffServiceID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return base36(binary.BigEndian.Uint64(b[:]))
}

func base36(n uint64) string {
	s := strconv.FormatUint(n%serviceIDSpace, 36)
	return strings.Repeat("0", serviceIDLen-len(s)) + s
}
