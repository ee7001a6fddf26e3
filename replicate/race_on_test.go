//go:build race

package replicate

// raceOn scales bulk tests down: the race detector makes Badger ~10x slower.
const raceOn = true
