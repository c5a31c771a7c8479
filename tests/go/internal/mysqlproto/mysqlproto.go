// Package mysqlproto has the few pieces of the MySQL client/server protocol that a TLS upgrade
// needs: packets, the server's initial handshake (protocol 10), SSLRequest, a minimal
// HandshakeResponse41, and OK/ERR packets.
package mysqlproto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Capability flags.
const (
	ClientLongPassword     = 0x00000001
	ClientConnectWithDB    = 0x00000008
	ClientProtocol41       = 0x00000200
	ClientSSL              = 0x00000800
	ClientTransactions     = 0x00002000
	ClientSecureConnection = 0x00008000
	ClientMultiResults     = 0x00020000
	ClientPluginAuth       = 0x00080000

	CharsetUTF8MB4 = 45 // utf8mb4_general_ci
	MaxPacket      = 1 << 24
)

// ReadPacket reads one packet and returns its sequence number and payload.
func ReadPacket(r io.Reader) (byte, []byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := int(hdr[0]) | int(hdr[1])<<8 | int(hdr[2])<<16
	payload := make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		return 0, nil, err
	}
	return hdr[3], payload, nil
}

// WritePacket writes one packet (payloads under 16 MiB only).
func WritePacket(w io.Writer, seq byte, payload []byte) error {
	n := len(payload)
	_, err := w.Write(append([]byte{byte(n), byte(n >> 8), byte(n >> 16), seq}, payload...))
	return err
}

// Greeting is the server's initial handshake packet.
type Greeting struct {
	Protocol     byte
	Version      string
	ConnectionID uint32
	Caps         uint32
	Charset      byte
	AuthPlugin   string
}

// EncodeGreeting builds a protocol 10 handshake with a fixed 20-byte scramble.
func EncodeGreeting(g Greeting) []byte {
	var b bytes.Buffer
	scramble := []byte("dbtls-standin-salt!!")
	b.WriteByte(10)
	b.WriteString(g.Version)
	b.WriteByte(0)
	_ = binary.Write(&b, binary.LittleEndian, g.ConnectionID)
	b.Write(scramble[:8])
	b.WriteByte(0)
	_ = binary.Write(&b, binary.LittleEndian, uint16(g.Caps))
	b.WriteByte(g.Charset)
	_ = binary.Write(&b, binary.LittleEndian, uint16(0x0002)) // SERVER_STATUS_AUTOCOMMIT
	_ = binary.Write(&b, binary.LittleEndian, uint16(g.Caps>>16))
	b.WriteByte(byte(len(scramble) + 1))
	b.Write(make([]byte, 10))
	b.Write(scramble[8:])
	b.WriteByte(0)
	b.WriteString(g.AuthPlugin)
	b.WriteByte(0)
	return b.Bytes()
}

// ParseGreeting decodes the fields of a server's initial handshake that matter here.
func ParseGreeting(p []byte) (Greeting, error) {
	var g Greeting
	if len(p) > 0 && p[0] == 0xff {
		return g, ParseErr(p)
	}
	if len(p) < 1 || p[0] != 10 {
		return g, fmt.Errorf("not a MySQL protocol 10 handshake (first byte %#x)", firstByte(p))
	}
	g.Protocol = 10
	end := bytes.IndexByte(p[1:], 0)
	if end < 0 || len(p) < 1+end+1+4+8+1+2 {
		return g, errors.New("short MySQL handshake packet")
	}
	g.Version = string(p[1 : 1+end])
	rest := p[1+end+1:]
	g.ConnectionID = binary.LittleEndian.Uint32(rest)
	rest = rest[4+8+1:]
	g.Caps = uint32(binary.LittleEndian.Uint16(rest))
	if len(rest) >= 2+1+2+2 {
		g.Charset = rest[2]
		g.Caps |= uint32(binary.LittleEndian.Uint16(rest[5:])) << 16
	}
	return g, nil
}

func firstByte(p []byte) byte {
	if len(p) == 0 {
		return 0
	}
	return p[0]
}

func clientHeader(caps uint32, charset byte) []byte {
	b := make([]byte, 32)
	binary.LittleEndian.PutUint32(b, caps)
	binary.LittleEndian.PutUint32(b[4:], MaxPacket)
	b[8] = charset
	return b // 23 zero bytes follow the charset
}

// SSLRequest is the 32-byte packet a client sends before starting TLS.
func SSLRequest(caps uint32, charset byte) []byte { return clientHeader(caps|ClientSSL, charset) }

// HandshakeResponse is a HandshakeResponse41 with an empty auth response.
func HandshakeResponse(caps uint32, charset byte, user, plugin string) []byte {
	b := append(clientHeader(caps, charset), user...)
	b = append(b, 0, 0) // end of user name, empty auth response (length 0)
	if caps&ClientPluginAuth != 0 {
		b = append(append(b, plugin...), 0)
	}
	return b
}

// ClientCaps reads the capability flags of an SSLRequest or HandshakeResponse41.
func ClientCaps(p []byte) uint32 {
	if len(p) < 4 {
		return 0
	}
	return binary.LittleEndian.Uint32(p)
}

// ClientUser reads the user name of a HandshakeResponse41.
func ClientUser(p []byte) string {
	if len(p) <= 32 {
		return ""
	}
	if end := bytes.IndexByte(p[32:], 0); end >= 0 {
		return string(p[32 : 32+end])
	}
	return ""
}

// OK is an OK packet carrying an info string. Servers send the info length-encoded, and
// clients (libmariadb, libmysqlclient) read it so.
func OK(info string) []byte {
	b := []byte{0x00, 0, 0, 0x02, 0, 0, 0}
	if info == "" {
		return b
	}
	if n := len(info); n < 251 {
		b = append(b, byte(n))
	} else {
		b = append(b, 0xfc, byte(n), byte(n>>8))
	}
	return append(b, info...)
}

// Err is an ERR packet.
func Err(code uint16, state, msg string) []byte {
	b := []byte{0xff, byte(code), byte(code >> 8), '#'}
	return append(append(b, state...), msg...)
}

// ServerError is a decoded ERR packet.
type ServerError struct {
	Code    uint16
	State   string
	Message string
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("ERROR %d (%s): %s", e.Code, e.State, e.Message)
}

// ParseErr decodes an ERR packet.
func ParseErr(p []byte) error {
	if len(p) < 3 || p[0] != 0xff {
		return errors.New("not an ERR packet")
	}
	e := &ServerError{Code: binary.LittleEndian.Uint16(p[1:])}
	rest := p[3:]
	if len(rest) >= 6 && rest[0] == '#' {
		e.State, rest = string(rest[1:6]), rest[6:]
	}
	e.Message = string(rest)
	return e
}

// DescribeReply summarises the server's answer to a HandshakeResponse41.
func DescribeReply(p []byte) string {
	switch firstByte(p) {
	case 0x00:
		return strings.TrimSpace("OK " + string(okInfo(p)))
	case 0xff:
		return ParseErr(p).Error()
	case 0xfe:
		return "auth switch request"
	case 0x01:
		return "auth more data"
	}
	return fmt.Sprintf("packet %#x", firstByte(p))
}

// okInfo returns the info string of an OK packet whose row count and insert id are small.
func okInfo(p []byte) []byte {
	if len(p) < 8 {
		return nil
	}
	switch n, rest := int(p[7]), p[8:]; {
	case n < 251 && n <= len(rest):
		return rest[:n]
	case n == 0xfc && len(rest) >= 2 && int(rest[0])|int(rest[1])<<8 <= len(rest)-2:
		return rest[2 : 2+(int(rest[0])|int(rest[1])<<8)]
	}
	return p[7:]
}
