package governance

import (
	"encoding/base64"
	"strings"
	"testing"
)

// Bad input is refused with a message, never a panic.
func TestValidateBasic(t *testing.T) {
	key := base64.StdEncoding.EncodeToString(make([]byte, 32))
	for name, tc := range map[string]struct {
		msg  interface{ ValidateBasic() error }
		want string
	}{
		"ok validator":    {&MsgSetValidator{PubKey: key, Power: 10}, ""},
		"short key":       {&MsgSetValidator{PubKey: "AAAA", Power: 1}, "not a base64 ed25519"},
		"negative power":  {&MsgSetValidator{PubKey: key, Power: -1}, "outside 0.."},
		"huge power":      {&MsgSetValidator{PubKey: key, Power: MaxPower + 1}, "outside 0.."},
		"long name":       {&MsgSetValidator{PubKey: key, Power: 1, Name: strings.Repeat("x", MaxNameLen+1)}, "name longer"},
		"ok plan":         {&MsgScheduleUpgrade{Plan: Plan{Name: "v3", Height: 10, Version: 3}}, ""},
		"bad plan name":   {&MsgScheduleUpgrade{Plan: Plan{Name: "V 3", Height: 10, Version: 3}}, "upgrade name"},
		"zero height":     {&MsgScheduleUpgrade{Plan: Plan{Name: "v3", Version: 3}}, "must be positive"},
		"zero version":    {&MsgScheduleUpgrade{Plan: Plan{Name: "v3", Height: 10}}, "must be positive"},
		"long info":       {&MsgScheduleUpgrade{Plan: Plan{Name: "v3", Height: 10, Version: 3, Info: strings.Repeat("i", MaxInfoLen+1)}}, "info longer"},
		"bad cancel name": {&MsgCancelUpgrade{Name: ""}, "not valid"},
		"ok cancel":       {&MsgCancelUpgrade{Name: "v3"}, ""},
	} {
		err := tc.msg.ValidateBasic()
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}
