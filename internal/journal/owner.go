// owner.go: which process runs a run, and marking the runs whose process
// died without ending them (kill -9, a crash, a power cut) interrupted the
// next time a journal is opened, so that `weft runs list` does not show
// them running for ever.

package journal

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// StatusInterrupted is the status of a run whose process ended without
// ending the run.
const StatusInterrupted = "interrupted"

// thisProcess names this process in the runs it begins: "PID:START", START
// being what processStart reads (the process's start time where the system
// tells it, so that a reused pid is not taken for the same process).
var thisProcess = processID(os.Getpid())

func processID(pid int) string {
	return strconv.Itoa(pid) + ":" + processStart(pid)
}

// processStart is the start time of process pid as /proc/PID/stat gives it
// (field 22, clock ticks since boot), "" where there is no /proc.
func processStart(pid int) string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 20 {
		return ""
	}
	return fields[19] // field 22 counted from the state, field 3
}

// alive reports whether the process that owner names still runs. An owner
// it cannot read (older journals) counts as alive: nothing is marked that
// might still be going.
func alive(owner string) bool {
	p, start, ok := strings.Cut(owner, ":")
	pid, err := strconv.Atoi(p)
	if !ok || err != nil || pid <= 0 {
		return true
	}
	if pid == os.Getpid() {
		return start == processStart(pid)
	}
	if !processExists(pid) {
		return false
	}
	if start == "" {
		return true // no /proc: the pid exists, so perhaps it is the same process
	}
	return processStart(pid) == start
}

// markOrphans ends every running run whose process is gone, as
// interrupted.
func (j *Journal) markOrphans(ctx context.Context) error {
	rows, err := j.db.QueryContext(ctx, `SELECT id, owner FROM runs WHERE status = ? AND owner != ''`, StatusRunning)
	if err != nil {
		return fmt.Errorf("find running runs: %w", err)
	}
	var orphans []string
	owners := map[string]string{}
	for rows.Next() {
		var id, owner string
		if err := rows.Scan(&id, &owner); err != nil {
			rows.Close()
			return err
		}
		if !alive(owner) {
			orphans = append(orphans, id)
			owners[id] = owner
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range orphans {
		pid, _, _ := strings.Cut(owners[id], ":")
		msg := fmt.Sprintf("interrupted: the process that ran it (pid %s) ended without finishing it (killed, crashed, or the machine stopped)", pid)
		j.writeMu.Lock()
		_, err := j.db.ExecContext(ctx, `UPDATE runs SET status = ?, error = ?, finished_ns = ? WHERE id = ? AND status = ?`,
			StatusInterrupted, msg, nanos(time.Now()), id, StatusRunning)
		j.writeMu.Unlock()
		if err != nil {
			return fmt.Errorf("mark run %s interrupted: %w", id, err)
		}
	}
	return nil
}
