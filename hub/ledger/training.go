package ledger

import (
	"errors"
	"time"
)

// Training mode. A register in training makes training sales: marked on
// every receipt, signed and journaled like any sale (SAF-T trainingID), but
// kept out of stock, drawer sessions and every sales figure; reports count
// them apart. Training receipts are numbered in a series of their own per
// register (Register.TrainingReceipts), so the sales receipts' series has
// no gaps; their number is on the receipt, in the 13017 event and in the
// SAF-T cashtransaction.

// Commands of training mode.
const (
	CmdTrainingOn  = "training.on"
	CmdTrainingOff = "training.off"
)

const pfxTraining = "s/train/" // + register: Training while it is on

func init() {
	addHandlers(map[string]handler{CmdTrainingOn: applyTrainingOn, CmdTrainingOff: applyTrainingOff})
}

// Training is a register's training mode while it is on.
type Training struct {
	Register string    `json:"register"`
	Employee string    `json:"employee"`
	Since    time.Time `json:"since"`
}

// training reports whether the asking register is in training mode.
func (a *applyCtx) training() (bool, error) {
	_, err := a.b.get(pfxTraining + a.env.Register)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// sameMode refuses to mix training with real trade: a training sale is
// returned in training only, a real one never in training.
func (a *applyCtx) sameMode(orig *Sale) error {
	on, err := a.training()
	if err != nil {
		return err
	}
	if on != orig.Training {
		if on {
			return reject("training_mode", "a real sale cannot be returned in training mode")
		}
		return reject("training_mode", "a training sale can only be returned in training mode")
	}
	return nil
}

func applyTrainingOn(a *applyCtx, env *Envelope) (any, error) {
	if _, err := a.register(); err != nil {
		return nil, err
	}
	if err := a.employee(); err != nil {
		return nil, err
	}
	if on, err := a.training(); err != nil || on {
		if err != nil {
			return nil, err
		}
		return nil, reject("training_on", "register %s is in training mode already", env.Register)
	}
	t := &Training{Register: env.Register, Employee: env.Employee, Since: env.Time}
	if _, err := a.journal("training.on", EvTrainOn, "", t); err != nil {
		return nil, err
	}
	return t, a.put(pfxTraining+env.Register, t)
}

func applyTrainingOff(a *applyCtx, env *Envelope) (any, error) {
	if _, err := a.register(); err != nil {
		return nil, err
	}
	t, err := load[Training](a, pfxTraining+env.Register)
	if err != nil {
		return nil, notFound(err, "training_off", "register %s is not in training mode", env.Register)
	}
	if _, err := a.journal("training.off", EvTrainOff, "", map[string]any{"register": env.Register, "since": t.Since}); err != nil {
		return nil, err
	}
	a.b.del(pfxTraining + env.Register)
	return map[string]any{"register": env.Register, "training": false}, nil
}

// TrainingOf returns a register's training mode, ErrNotFound when it is off.
func (l *Ledger) TrainingOf(register string) (*Training, error) {
	var t Training
	if err := l.get(pfxTraining+register, &t); err != nil {
		return nil, err
	}
	return &t, nil
}
