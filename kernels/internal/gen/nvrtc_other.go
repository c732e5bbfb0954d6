//go:build !cgo || !linux

package main

import "errors"

type nvrtc struct{ version string }

func openNVRTC() (*nvrtc, error) {
	return nil, errors.New("regenerating the PTX needs cgo on linux (NVRTC is loaded with dlopen)")
}

func (n *nvrtc) compile(name, src string, headers []header, opts []string) (string, error) {
	return "", errors.New("unreachable")
}
