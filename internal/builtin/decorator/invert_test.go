package decorator_test

import (
	"testing"

	"github.com/weft-dev/weft/internal/bt"
)

func TestInvert(t *testing.T) {
	runCases(t, []runCase{
		{name: "success becomes failure", src: `
type: Invert
id: inv
children: [{type: TestSteps, id: c, props: {steps: "S"}}]
`, want: bt.Failure, finishes: []string{"c:success", "inv:failure"}, errNode: "inv", errHas: "inverted: c succeeded"},
		{name: "failure becomes success", src: `
type: Invert
id: inv
children: [{type: TestSteps, id: c, props: {steps: "F"}}]
`, want: bt.Success, finishes: []string{"c:failure", "inv:success"}},
		{name: "running passes through", src: `
type: Invert
id: inv
children: [{type: TestSteps, id: c, props: {steps: "R,R,F"}}]
`, want: bt.Success, ticks: map[string]int{"c": 3}, finishes: []string{"c:failure", "inv:success"}},
	})
}

func TestForceSuccess(t *testing.T) {
	runCases(t, []runCase{
		{name: "failure becomes success", src: `
type: ForceSuccess
id: fs
children: [{type: TestSteps, id: c, props: {steps: "F"}}]
`, want: bt.Success, finishes: []string{"c:failure", "fs:success"}},
		{name: "success stays success", src: `
type: ForceSuccess
id: fs
children: [{type: TestSteps, id: c, props: {steps: "S"}}]
`, want: bt.Success, finishes: []string{"c:success", "fs:success"}},
		{name: "running passes through", src: `
type: ForceSuccess
id: fs
children: [{type: TestSteps, id: c, props: {steps: "R,F"}}]
`, want: bt.Success, ticks: map[string]int{"c": 2}, finishes: []string{"c:failure", "fs:success"}},
	})
}

func TestForceFailure(t *testing.T) {
	runCases(t, []runCase{
		{name: "success becomes failure", src: `
type: ForceFailure
id: ff
children: [{type: TestSteps, id: c, props: {steps: "S"}}]
`, want: bt.Failure, finishes: []string{"c:success", "ff:failure"}, errNode: "ff", errHas: "forced failure: c succeeded"},
		{name: "failure keeps the child's error", src: `
type: ForceFailure
id: ff
children: [{type: TestSteps, id: c, props: {steps: "F"}}]
`, want: bt.Failure, finishes: []string{"c:failure", "ff:failure"}, errNode: "c", errHas: "step 1 failed"},
		{name: "running passes through", src: `
type: ForceFailure
id: ff
children: [{type: TestSteps, id: c, props: {steps: "R,S"}}]
`, want: bt.Failure, ticks: map[string]int{"c": 2}, finishes: []string{"c:success", "ff:failure"}},
	})
}
