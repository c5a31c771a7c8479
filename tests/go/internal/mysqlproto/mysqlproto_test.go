package mysqlproto

import (
	"bytes"
	"strings"
	"testing"
)

func TestGreetingRoundTrip(t *testing.T) {
	in := Greeting{Version: "8.0.40-Vitess", ConnectionID: 7, Caps: ClientProtocol41 | ClientSSL | ClientPluginAuth,
		Charset: CharsetUTF8MB4, AuthPlugin: "mysql_native_password"}
	var buf bytes.Buffer
	if err := WritePacket(&buf, 0, EncodeGreeting(in)); err != nil {
		t.Fatal(err)
	}
	seq, p, err := ReadPacket(&buf)
	if err != nil || seq != 0 {
		t.Fatal(seq, err)
	}
	out, err := ParseGreeting(p)
	if err != nil || out.Version != in.Version || out.Caps != in.Caps || out.Charset != 45 || out.ConnectionID != 7 {
		t.Fatalf("%+v %v", out, err)
	}
	// Layout after the version: 4 id + 8 scramble + 1 + 2 caps + 1 + 2 + 2 caps + 1 + 10 + 13 + plugin.
	if want := 1 + len(in.Version) + 1 + 31 + 13 + len(in.AuthPlugin) + 1; len(p) != want {
		t.Errorf("greeting is %d bytes, want %d", len(p), want)
	}
}

func TestClientPackets(t *testing.T) {
	req := SSLRequest(ClientProtocol41, 33)
	if len(req) != 32 || ClientCaps(req) != ClientProtocol41|ClientSSL || req[8] != 33 || !bytes.Equal(req[9:], make([]byte, 23)) {
		t.Fatalf("SSLRequest %x", req)
	}
	resp := HandshakeResponse(ClientProtocol41|ClientPluginAuth, 45, "app", "mysql_native_password")
	if ClientUser(resp) != "app" || !strings.HasSuffix(string(resp), "app\x00\x00mysql_native_password\x00") {
		t.Fatalf("HandshakeResponse %q", resp)
	}
}

func TestReplies(t *testing.T) {
	long := strings.Repeat("x", 300)
	for info, want := range map[string]string{"": "OK", `{"a":1}`: `OK {"a":1}`, long: "OK " + long} {
		if got := DescribeReply(OK(info)); got != want {
			t.Errorf("OK(%.10q): %.20q", info, got)
		}
	}
	if got := DescribeReply(Err(1045, "28000", "Access denied")); got != "ERROR 1045 (28000): Access denied" {
		t.Errorf("ERR: %q", got)
	}
	if _, err := ParseGreeting(Err(1130, "HY000", "Host is not allowed")); err == nil || !strings.Contains(err.Error(), "1130") {
		t.Errorf("greeting ERR: %v", err)
	}
}
