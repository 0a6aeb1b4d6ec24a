package templates

// The device pages (/device, package devicepage): a person types the code
// a device shows (or arrives with it from the device's link), sees which
// application asks and confirms it is theirs, signs in with the ordinary
// login, and is told to return to the device (RFC 8628 §3.3, §5.4).

// Messages of the device code form.
const (
	// MsgDeviceCodeRequired: the form came back without a code.
	MsgDeviceCodeRequired Message = "device_code_required"
	// MsgDeviceCodeUnknown: no device waits for that code (mistyped,
	// expired, or answered already).
	MsgDeviceCodeUnknown Message = "device_code_unknown"
)

// DeviceCodePage asks for the code a device shows (the form posts to
// /device).
type DeviceCodePage struct {
	// UserCode pre-fills the field: what was typed, or the device link's.
	UserCode  string
	CSRFToken string
	// Error is MsgDeviceCodeRequired, MsgDeviceCodeUnknown or
	// MsgTooManyAttempts (with RetryMinutes).
	Error        Message
	RetryMinutes int
}

// DeviceConfirmPage shows which application a code belongs to and asks
// the person to confirm that the device in front of them started it
// before signing in (the form posts to /device/confirm): a code sent by
// someone else would give that someone the person's account.
type DeviceConfirmPage struct {
	ClientName string
	UserCode   string
	CSRFToken  string
	// Scopes are what the application asks for; the page says what each
	// means (the scope function).
	Scopes []string
}

// Results of a device's sign-in (DeviceDonePage.Result).
const (
	DeviceApproved = "approved"
	DeviceDenied   = "denied"
	DeviceFailed   = "failed"
)

// DeviceDonePage ends the person's part: the device was connected
// (return to it), denied, or the sign-in failed (start again there).
type DeviceDonePage struct {
	Result string
}

func (DeviceCodePage) templateName() string    { return "device_code" }
func (DeviceConfirmPage) templateName() string { return "device_confirm" }
func (DeviceDonePage) templateName() string    { return "device_done" }
