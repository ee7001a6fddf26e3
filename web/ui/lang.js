// Kasse register UI: words of the return flow, and the hub's refusals in
// bokmål. Loaded before app.js, which merges WORDS into its own table. The
// hub speaks English; REFUSALS says in bokmål, by the refusal's code, what
// each refusal a register can meet means. A code not listed shows the hub's
// own message.
'use strict';

const WORDS = {
  nb: {
    ret: 'Retur', retTitle: 'Retur', retHelp: 'Skann strekkoden på kvitteringen, eller skriv kvitteringsnummeret (f.eks. 12 eller K1/12).',
    retCode: 'Kvitteringens strekkode eller nummer', retFind: 'Finn kvitteringen', retBlind: 'Retur uten kvittering',
    retFrom: 'Retur av kvittering nr. ', retBlindFrom: 'Retur uten kvittering – godkjent. Skann varene kunden leverer tilbake.',
    retPick: 'Velg varene og antallet som leveres tilbake.', retLeft: 'igjen', retAll: 'Alt', retNothing: 'Velg minst én vare å ta i retur.',
    retRefund: 'Refunder', retTo: 'Refunderes til: ', retAsCredit: 'Gi tilgodelapp i stedet', retDone: 'Returen er refundert',
    retReceipt: 'Returkvittering nr. ', retCreditNo: 'Tilgodelapp nr. ', retPrinting: 'Returkvitteringen skrives ut.',
    retScanItems: 'Skann varene', retEmpty: 'Ingen varer ennå.', retSaleOpen: 'Betal, parker eller annuller salget på skjermen først.',
    m_cash: 'kontant', m_card: 'kort', m_mobile: 'Vipps/mobil', m_credit: 'tilgodelapp', m_giftcard: 'tilgodelapp', m_other: 'tilgodelapp',
  },
  en: {
    ret: 'Return', retTitle: 'Return', retHelp: 'Scan the barcode on the receipt, or type the receipt number (e.g. 12 or K1/12).',
    retCode: 'Receipt barcode or number', retFind: 'Find the receipt', retBlind: 'Return without receipt',
    retFrom: 'Return of receipt no. ', retBlindFrom: 'Return without a receipt – approved. Scan the items the customer brings back.',
    retPick: 'Choose the items and how many come back.', retLeft: 'left', retAll: 'All', retNothing: 'Choose at least one item to take back.',
    retRefund: 'Refund', retTo: 'Refunded to: ', retAsCredit: 'Give a credit note instead', retDone: 'The return is refunded',
    retReceipt: 'Return receipt no. ', retCreditNo: 'Credit note no. ', retPrinting: 'The return receipt is printing.',
    retScanItems: 'Scan the items', retEmpty: 'No items yet.', retSaleOpen: 'Pay, park or void the sale on screen first.',
    m_cash: 'cash', m_card: 'card', m_mobile: 'Vipps/mobile', m_credit: 'credit note', m_giftcard: 'credit note', m_other: 'credit note',
  },
};

const REFUSALS = {
  nb: {
    // logging in, approvals, pairing
    wrong_pin: 'Feil ansattnummer eller PIN', locked_out: 'Låst etter for mange feil PIN-forsøk: vent, eller spør en leder',
    bad_pin: 'PIN-koden må være 4–12 siffer', not_logged_in: 'Ingen er logget inn på kassen: logg inn først',
    employee_inactive: 'Denne ansatte er ikke aktiv', unknown_employee: 'Ukjent ansattnummer',
    permission_denied: 'Dette krever godkjenning fra en med høyere rolle', unauthorized: 'Kassen er ikke koblet til butikken',
    bad_pairing_code: 'Ukjent, brukt eller utløpt tilkoblingskode: be om en ny', bad_register: 'Ukjent kasse', unknown_register: 'Ukjent kasse',
    token_unknown: 'Ukjent tilkoblingskode', token_used: 'Tilkoblingskoden er allerede brukt', token_expired: 'Tilkoblingskoden er utløpt',
    // the sale
    unknown_barcode: 'Ingen vare har denne strekkoden', bad_barcode: 'Strekkoden kan ikke leses: skann på nytt eller skriv nummeret',
    unknown_item: 'Ukjent vare', item_inactive: 'Varen er ikke i salg', unknown_line: 'Linjen finnes ikke på salget',
    bad_quantity: 'Ugyldig antall', needs_weight: 'Varen selges etter vekt: vei den', fixed_line: 'Prisen står i strekkoden: antallet kan ikke endres',
    bad_discount: 'Ugyldig rabatt', bad_price: 'Ugyldig pris', reason_required: 'Skriv en årsak', too_many_lines: 'Salget har for mange linjer: ta resten på et nytt salg',
    sale_too_large: 'Salget er for stort', empty_sale: 'Salget er tomt', unknown_sale: 'Fant ikke salget eller kvitteringen',
    sale_closed: 'Salget er allerede avsluttet', sale_parked: 'Salget er parkert: hent det først', not_parked: 'Salget er ikke parkert',
    sale_exists: 'Salget finnes allerede', wrong_register: 'Salget hører til en annen kasse', sale_paid: 'Deler av salget er betalt: fullfør betalingen',
    drawer_open: 'Lukk kassaskuffen først', training_mode: 'Kassen er i treningsmodus', training_on: 'Treningsmodus er allerede på', training_off: 'Treningsmodus er av',
    idempotency_conflict: 'Forespørselen ble sendt på nytt med annet innhold: prøv igjen',
    // paying
    payment_pending: 'En kortbetaling pågår på dette salget', nothing_due: 'Det er ingenting å betale', bad_amount: 'Ugyldig beløp',
    bad_method: 'Ukjent betalingsmåte', bad_tender: 'Ukjent betalingsmåte', needs_ref: 'Betalingsmåten trenger en referanse (f.eks. kunde)',
    not_enough_cash: 'Det er ikke nok kontanter i skuffen', no_terminal: 'Ingen kortterminal er tilkoblet: bruk en annen betalingsmåte',
    no_mobile: 'Mobilbetaling er ikke satt opp', bad_phone: 'Ugyldig telefonnummer', unknown_attempt: 'Fant ikke betalingen',
    attempt_resolved: 'Betalingen er allerede avgjort', attempt_exists: 'Betalingen er allerede startet', too_many_attempts: 'For mange betalingsforsøk på salget',
    unknown_voucher: 'Ukjent gavekort eller tilgodelapp', bad_voucher: 'Ugyldig gavekort eller tilgodelapp', voucher_empty: 'Gavekortet eller tilgodelappen er brukt opp',
    not_reversible: 'Betalingen kan ikke tilbakeføres', copy_printed: 'Kopien er allerede skrevet ut', not_completed: 'Salget er ikke fullført',
    // returns and exchanges
    is_return: 'Dette er en retur, ikke et salg', not_a_return: 'Dette er ikke en retur', is_exchange: 'Salget er et bytte',
    not_an_exchange: 'Salget er ikke et bytte', not_returnable: 'Varen kan ikke returneres (eller er allerede returnert)',
    no_receipt: 'Fant ingen kvittering for salget',
    bad_address: 'Ugyldig e-postadresse: sjekk den', mail_limit: 'Kvitteringen er allerede sendt på e-post så mange ganger som mulig',
    mail_off: 'Butikken sender ikke kvitteringer på e-post: skriv ut eller vis kvitteringen',
    // devices and the hub
    no_scale: 'Kassen har ingen vekt: skriv inn vekten eller bruk en annen kasse', scale_not_stable: 'Vekten har ikke stabilisert seg: slipp varen og vei igjen',
    scale_empty: 'Vekten er tom', not_weighed: 'Varen er ikke veid', no_session: 'Ingen skuffeøkt er åpen: tell opp vekselkassen først',
    session_open: 'En skuffeøkt er allerede åpen', session_exists: 'Skuffeøkten finnes allerede', session_closed: 'Skuffeøkten er avsluttet',
    clocked_in: 'Allerede stemplet inn', not_clocked_in: 'Ikke stemplet inn', nothing_to_report: 'Ingenting å rapportere ennå',
    halted: 'Denne huben har stoppet bokføringen: bruk en annen hub', unavailable: 'Butikkens huber velger leder: prøv igjen straks (ingenting bokføres to ganger)',
    catching_up: 'Huben henter inn siste endringer: prøv igjen straks', offline: 'Mistet kontakt med huben – prøver igjen (ingenting blir bokført to ganger)',
    bad_json: 'Kassen sendte en ugyldig forespørsel', bad_request: 'Ugyldig forespørsel', bad_body: 'Ugyldig forespørsel',
    idempotency_key_required: 'Forespørselen mangler nøkkel', not_found: 'Finnes ikke', internal: 'Noe gikk galt i huben; det er logget',
  },
};
