package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse-id/gatehouse/devicepage"
	"github.com/gatehouse-id/gatehouse/provider"
)

// deviceRequests adapts the provider's device grants to what the /device
// page consumes, as loginRequests does for the login.
type deviceRequests struct{ p *provider.Provider }

func (d deviceRequests) DeviceRequest(ctx context.Context, userCode string) (devicepage.Request, error) {
	r, err := d.p.DeviceRequest(ctx, userCode)
	if err != nil {
		return devicepage.Request{}, deviceErr(err)
	}
	return devicepage.Request{ClientName: r.ClientName, Scopes: r.Scopes, UserCode: r.UserCode}, nil
}

func (d deviceRequests) StartDeviceLogin(ctx context.Context, userCode, browser string) (string, error) {
	next, err := d.p.StartDeviceLogin(ctx, userCode, browser)
	return next, deviceErr(err)
}

func (d deviceRequests) DenyDevice(ctx context.Context, userCode string) error {
	return deviceErr(d.p.DenyDevice(ctx, userCode))
}

// deviceErr maps the provider's not-found to the page's.
func deviceErr(err error) error {
	if errors.Is(err, provider.ErrDeviceCodeNotFound) {
		return fmt.Errorf("%w: %w", devicepage.ErrNotFound, err)
	}
	return err
}
