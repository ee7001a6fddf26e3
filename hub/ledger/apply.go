package ledger

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/kasse/kasse/hub/money"
)

// applyCtx is what a handler sees of the ledger while applying one command.
type applyCtx struct {
	b     *batch
	l     *Ledger
	env   *Envelope
	index uint64
	tip   *tip

	orig map[string]*Sale // sales as they were before this command
}

type handler func(a *applyCtx, env *Envelope) (any, error)

// Command types. Adding one is backwards compatible; changing the meaning of
// one is not: add a new type instead.
const (
	CmdShopSetup   = "shop.setup"
	CmdKeyInstall  = "key.install"
	CmdRegisterPut = "register.put"
	CmdEmployeePut = "employee.put"
	CmdItemPut     = "item.put"
	CmdStockAdjust = "stock.adjust"
	CmdLogin       = "employee.login"
	CmdLogout      = "employee.logout"
	CmdPriceLookup = "price.lookup"
	CmdDrawerOpen  = "drawer.open"
	CmdSaleOpen    = "sale.open"
	CmdSaleAdd     = "sale.add"
	CmdSaleQty     = "sale.qty"
	CmdSaleRemove  = "sale.remove"
	CmdSaleDisc    = "sale.discount"
	CmdSalePrice   = "sale.price"
	CmdSalePark    = "sale.park"
	CmdSaleResume  = "sale.resume"
	CmdSaleVoid    = "sale.void"
	CmdPayCash     = "pay.cash"
	CmdPayStart    = "pay.start"
	CmdPayResult   = "pay.result"
)

// SAF-T event codes (PredefinedBasicID-13) the journal uses.
const (
	EvLogin       = 13003
	EvLogout      = 13004
	EvDrawerOpen  = 13005
	EvPark        = 13010
	EvResume      = 13011
	EvSalesRcpt   = 13012
	EvPriceChange = 13021
	EvPriceLookup = 13022
	EvVoid        = 13028
	EvOther       = 13999
)

// handlers maps command types to their apply functions. A file that adds
// commands registers them in its own init with addHandlers, so features
// stay in their own files.
var handlers = map[string]handler{}

func addHandlers(m map[string]handler) {
	for k, h := range m {
		if _, dup := handlers[k]; dup {
			panic("ledger: command type registered twice: " + k)
		}
		handlers[k] = h
	}
}

func init() {
	addHandlers(map[string]handler{
		CmdShopSetup: applyShopSetup, CmdKeyInstall: applyKeyInstall,
		CmdRegisterPut: applyRegisterPut, CmdEmployeePut: applyEmployeePut,
		CmdItemPut: applyItemPut, CmdStockAdjust: applyStockAdjust,
		CmdLogin: applyLogin, CmdLogout: applyLogout,
		CmdPriceLookup: applyPriceLookup, CmdDrawerOpen: applyDrawerOpen,
		CmdSaleOpen: applySaleOpen, CmdSaleAdd: applySaleAdd, CmdSaleQty: applySaleQty,
		CmdSaleRemove: applySaleRemove, CmdSaleDisc: applySaleDiscount, CmdSalePrice: applySalePrice,
		CmdSalePark: applySalePark, CmdSaleResume: applySaleResume, CmdSaleVoid: applySaleVoid,
		CmdPayCash: applyPayCash, CmdPayStart: applyPayStart, CmdPayResult: applyPayResult,
		CmdReceiptCopy: applyReceiptCopy, CmdActionDone: applyActionDone, CmdDrawerState: applyDrawerState,
		CmdReturnOpen: applyReturnOpen, CmdReturnAdd: applyReturnAdd, CmdReturnRefund: applyReturnRefund,
	})
}

// body decodes a command's body; a body that does not decode is refused.
func body[T any](env *Envelope) (*T, error) {
	var v T
	if err := json.Unmarshal(env.Body, &v); err != nil {
		return nil, reject("bad_request", "the %s request could not be read: %v", env.Type, err)
	}
	return &v, nil
}

// load reads key into v; ErrNotFound if absent.
func load[T any](a *applyCtx, key string) (*T, error) {
	raw, err := a.b.get(key)
	if err != nil {
		return nil, err
	}
	var v T
	if err := a.l.decodeInto(key, raw, &v); err != nil {
		return nil, fmt.Errorf("decode %s: %w", key, err)
	}
	return &v, nil
}

func (a *applyCtx) put(key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	a.b.set(key, b)
	return nil
}

func notFound(err error, code, format string, args ...any) error {
	if errors.Is(err, ErrNotFound) {
		return reject(code, format, args...)
	}
	return err
}

// --- set-up ---------------------------------------------------------------

func applyShopSetup(a *applyCtx, env *Envelope) (any, error) {
	s, err := body[Shop](env)
	if err != nil {
		return nil, err
	}
	if s.Name == "" || len(s.OrgNr) != 9 || strings.Trim(s.OrgNr, "0123456789") != "" {
		return nil, reject("bad_shop", "a shop needs a name and a nine-digit organisation number")
	}
	if _, err := a.journal("shop.setup", EvOther, "", s); err != nil {
		return nil, err
	}
	return s, a.put(keyShop, s)
}

func applyKeyInstall(a *applyCtx, env *Envelope) (any, error) {
	k, err := body[PublicKey](env)
	if err != nil {
		return nil, err
	}
	if _, err := ParsePublicKey(k.PEM); err != nil || k.Version < 1 {
		return nil, reject("bad_key", "the signing key is not a valid RSA public key with a version")
	}
	cur, err := a.keyVersion()
	var rej *Rejection
	if err != nil && !errors.As(err, &rej) {
		return nil, err
	}
	if k.Version <= cur {
		return nil, reject("key_version", "key version %d is not newer than %d", k.Version, cur)
	}
	if _, err := a.journal("key.install", EvOther, "", map[string]int{"version": k.Version}); err != nil {
		return nil, err
	}
	if err := a.put(publicKeyKey(k.Version), k); err != nil {
		return nil, err
	}
	return k, a.put(keyKeyVer, k.Version)
}

func applyRegisterPut(a *applyCtx, env *Envelope) (any, error) {
	r, err := body[Register](env)
	if err != nil {
		return nil, err
	}
	if r.ID == "" || len(r.ID) > 32 {
		return nil, reject("bad_register", "a register needs an id of at most 32 characters")
	}
	cur, err := load[Register](a, pfxReg+r.ID)
	if errors.Is(err, ErrNotFound) {
		cur = &Register{ID: r.ID}
	} else if err != nil {
		return nil, err
	}
	cur.Name = r.Name // counters and the signature chain are the ledger's alone
	if _, err := a.journal("register.put", EvOther, "", map[string]string{"id": r.ID, "name": r.Name}); err != nil {
		return nil, err
	}
	return cur, a.put(pfxReg+r.ID, cur)
}

func applyEmployeePut(a *applyCtx, env *Envelope) (any, error) {
	e, err := body[Employee](env)
	if err != nil {
		return nil, err
	}
	switch e.Role {
	case RoleCashier, RoleSupervisor, RoleManager, RoleAdmin:
	default:
		return nil, reject("bad_employee", "unknown role %q", e.Role)
	}
	if e.ID == "" || e.Name == "" {
		return nil, reject("bad_employee", "an employee needs an id and a name")
	}
	if e.PINHash == "" {
		if old, err := load[Employee](a, pfxEmp+e.ID); err == nil {
			e.PINHash = old.PINHash
		}
	}
	if _, err := a.journal("employee.put", EvOther, "", map[string]any{"id": e.ID, "name": e.Name, "role": e.Role, "active": e.Active}); err != nil {
		return nil, err
	}
	return e.public(), a.put(pfxEmp+e.ID, e)
}

// public is the employee without the PIN hash.
func (e *Employee) public() *Employee { c := *e; c.PINHash = ""; return &c }

type itemPut struct {
	Items []Item `json:"items"`
}

func applyItemPut(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[itemPut](env)
	if err != nil {
		return nil, err
	}
	if len(req.Items) == 0 || len(req.Items) > MaxItemsCall {
		return nil, reject("bad_item", "send between 1 and %d items at a time", MaxItemsCall)
	}
	for i := range req.Items {
		it := &req.Items[i]
		if err := validItem(it); err != nil {
			return nil, err
		}
		old, err := load[Item](a, pfxItem+it.SKU)
		switch {
		case errors.Is(err, ErrNotFound):
			old = nil
		case err != nil:
			return nil, err
		}
		if old != nil {
			for _, bc := range old.Barcodes {
				a.b.del(pfxBarcode + bc)
			}
			if old.Price != it.Price {
				if _, err := a.journal("price.change", EvPriceChange, "", map[string]any{"sku": it.SKU, "from": old.Price, "to": it.Price}); err != nil {
					return nil, err
				}
			}
		}
		for _, bc := range it.Barcodes {
			if other, err := a.b.get(pfxBarcode + bc); err == nil && string(other) != it.SKU {
				return nil, reject("barcode_taken", "barcode %s already belongs to item %s", bc, other)
			}
			a.b.set(pfxBarcode+bc, []byte(it.SKU))
		}
		if err := a.put(pfxItem+it.SKU, it); err != nil {
			return nil, err
		}
	}
	return map[string]int{"items": len(req.Items)}, nil
}

func validItem(it *Item) error {
	switch {
	case it.SKU == "" || len(it.SKU) > 64 || strings.ContainsAny(it.SKU, "/ \t\n"):
		return reject("bad_item", "SKU %q: 1 to 64 characters, no spaces or slashes", it.SKU)
	case it.Name == "":
		return reject("bad_item", "item %s has no name", it.SKU)
	case it.Price < 0 || it.Price > money.Max:
		return reject("bad_item", "item %s: price out of range", it.SKU)
	case !it.Rate.Valid():
		return reject("bad_item", "item %s: VAT rate %s %% is not a Norwegian rate", it.SKU, it.Rate)
	case it.Unit != UnitPiece && it.Unit != UnitKg:
		return reject("bad_item", "item %s: unit must be %q or %q", it.SKU, UnitPiece, UnitKg)
	}
	return nil
}

type stockAdjust struct {
	SKU    string `json:"sku"`
	Delta  int64  `json:"delta"` // pieces, or grams for weighed items
	Reason string `json:"reason"`
}

func applyStockAdjust(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[stockAdjust](env)
	if err != nil {
		return nil, err
	}
	if _, err := load[Item](a, pfxItem+req.SKU); err != nil {
		return nil, notFound(err, "unknown_item", "no item with SKU %s", req.SKU)
	}
	if req.Delta == 0 || req.Delta > 1e9 || req.Delta < -1e9 {
		return nil, reject("bad_quantity", "a stock change must be between -1 000 000 000 and 1 000 000 000, not 0")
	}
	n, err := a.moveStock(req.SKU, req.Delta)
	if err != nil {
		return nil, err
	}
	if _, err := a.journal("stock.adjust", 0, "", req); err != nil {
		return nil, err
	}
	return map[string]any{"sku": req.SKU, "stock": n}, nil
}

func (a *applyCtx) moveStock(sku string, delta int64) (int64, error) {
	var n int64
	if raw, err := a.b.get(pfxStock + sku); err == nil {
		if err := json.Unmarshal(raw, &n); err != nil {
			return 0, err
		}
	} else if !errors.Is(err, ErrNotFound) {
		return 0, err
	}
	n += delta
	return n, a.put(pfxStock+sku, n)
}

// --- events ---------------------------------------------------------------

func (a *applyCtx) register() (*Register, error) {
	r, err := load[Register](a, pfxReg+a.env.Register)
	return r, notFound(err, "unknown_register", "register %q is not set up in this shop", a.env.Register)
}

type loginReq struct {
	Employee string `json:"employee"`
}

func applyLogin(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[loginReq](env)
	if err != nil {
		return nil, err
	}
	reg, err := a.register()
	if err != nil {
		return nil, err
	}
	e, err := load[Employee](a, pfxEmp+req.Employee)
	if err != nil {
		return nil, notFound(err, "unknown_employee", "no employee %s", req.Employee)
	}
	if !e.Active {
		return nil, reject("employee_inactive", "%s is not active", e.Name)
	}
	if a.lockedOut(e.ID) {
		return nil, reject("locked_out", "%s is locked out after %d wrong PINs: wait %d minutes or ask a manager", e.Name, MaxPINFails, int(LockoutFor.Minutes()))
	}
	a.b.del(pfxPINFail + e.ID)
	reg.Employee = e.ID
	if _, err := a.journal("employee.login", EvLogin, "", nil); err != nil {
		return nil, err
	}
	if err := a.put(pfxReg+reg.ID, reg); err != nil {
		return nil, err
	}
	return e.public(), nil
}

func applyLogout(a *applyCtx, env *Envelope) (any, error) {
	reg, err := a.register()
	if err != nil {
		return nil, err
	}
	reg.Employee = ""
	if _, err := a.journal("employee.logout", EvLogout, "", nil); err != nil {
		return nil, err
	}
	return reg, a.put(pfxReg+reg.ID, reg)
}

type lookupReq struct {
	SKU  string `json:"sku"`
	Code string `json:"code,omitempty"`
}

func applyPriceLookup(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[lookupReq](env)
	if err != nil {
		return nil, err
	}
	it, err := load[Item](a, pfxItem+req.SKU)
	if err != nil {
		return nil, notFound(err, "unknown_item", "no item with SKU %s", req.SKU)
	}
	if _, err := a.journal("price.lookup", EvPriceLookup, "", map[string]any{"sku": it.SKU, "code": req.Code, "price": it.Price}); err != nil {
		return nil, err
	}
	return it, nil
}

type drawerReq struct {
	Reason string `json:"reason"` // nosale, sale, count
	Sale   string `json:"sale,omitempty"`
	// ApprovedBy is the supervisor who approved a no-sale opening for an
	// employee without the permission (the hub checked their PIN).
	ApprovedBy string `json:"approvedBy,omitempty"`
}

func applyDrawerOpen(a *applyCtx, env *Envelope) (any, error) {
	req, err := body[drawerReq](env)
	if err != nil {
		return nil, err
	}
	if _, err := a.register(); err != nil {
		return nil, err
	}
	if req.Reason == "nosale" && !a.mayDo(PermNoSale, req.ApprovedBy, env.Approver) {
		return nil, reject("permission_denied", "opening the drawer without a sale needs a supervisor")
	}
	e, err := a.journal("drawer.open", EvDrawerOpen, req.Sale, req)
	if err != nil {
		return nil, err
	}
	act := Action{ID: fmt.Sprintf("drawer/%s/%d", a.env.Register, e.Seq), Kind: ActDrawer, Register: a.env.Register, Kick: true}
	if err := a.addAction(act); err != nil {
		return nil, err
	}
	return map[string]any{"journal": e.Seq, "action": act.ID}, nil
}

func marshal(v any) ([]byte, error) { return json.Marshal(v) }
