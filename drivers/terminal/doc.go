// Package terminal drives a semi-integrated card payment terminal on the shop
// LAN that speaks nexo Sale-to-POI messages as JSON over HTTPS (the shape
// Adyen's local "Terminal API" uses: {"SaleToPOIRequest":{"MessageHeader":…,
// "PaymentRequest":…}} answered by {"SaleToPOIResponse":…}).
//
// # What it promises
//
//   - Money is int64 øre. Amounts cross the wire as JSON decimal numbers in
//     kroner ("123.45") and are converted by digits, never through float64.
//     An amount finer than one øre, negative, or above [MaxAmountØre] is an
//     error, never rounded.
//   - Every request is tied to the caller's attempt id (TxID). Its nexo
//     ServiceID is derived from the TxID alone ([ServiceID]), so a hub that
//     restarts halfway through a payment can ask [Client.Status] about it
//     with nothing but the TxID it wrote down before calling [Client.Pay].
//   - An error tells the caller what it knows about the terminal:
//     [ErrUnreachable] means the message surely never reached the terminal
//     (connection refused, TLS failed, nothing written): nothing happened.
//     [ErrUnknownOutcome] means it may have arrived and no usable answer came
//     back (timeout, reset, garbled reply): the caller must ask
//     [Client.Status] (or [Client.ReversalStatus]) before doing anything else,
//     and must not send the same TxID again. [ErrRejected] means the
//     terminal refused the message itself (malformed, duplicate ServiceID,
//     wrong POIID): this message started nothing. Any other error is a bad
//     argument or configuration, found before anything was sent.
//   - The driver never sees, keeps or logs a full card number, track data,
//     CVV or PIN. Requests carry none. Replies are decoded into types that
//     have no field for them (nexo SensitiveCardData is noticed and thrown
//     away). A MaskedPan that is really a full number (13–19 digits, no
//     masking) is masked to first six and last four before it is returned,
//     and a warning without the number is logged. Free-text fields are
//     scrubbed of Luhn-valid 13–19 digit runs the same way. Response bodies
//     and JSON errors that could quote them are never logged or wrapped.
//
// # Messages used
//
// Pay and Refund send a PaymentRequest (Refund with PaymentData.PaymentType
// "Refund", an unreferenced refund). Reverse sends a ReversalRequest with the
// terminal's transaction id (a referenced reversal of an approved payment).
// Abort sends an AbortRequest with a MessageReference to the payment; the
// terminal answers the abort itself with an empty 200 and answers the aborted
// Pay with Result "Failure", ErrorCondition "Aborted". Status and
// ReversalStatus send a TransactionStatusRequest with a MessageReference; the
// terminal repeats the original response, or says InProgress or NotFound.
//
// RequestedAmount is the purchase amount without tip; TipAmount is sent
// beside it; AuthorizedAmount in the answer is the total charged, tip
// included. A "Success" whose AuthorizedAmount is below amount+tip is
// reported by Pay as [Partial].
//
// Adyen's optional message-level encryption (NexoBlob/SecurityTrailer) is
// not implemented; the channel is protected by TLS to a terminal certificate
// trusted through its own CA file ([LoadCA]).
//
// A [Client] is safe for concurrent use: Abort and Status are meant to be
// called while a Pay is still waiting. Each request uses a fresh connection,
// so "connection refused" really means "not sent" and a stale keep-alive
// connection never turns a payment into an unknown outcome.
package terminal
