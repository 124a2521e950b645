package runner

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/stewardhq/steward/sdk"
)

// pollEvery is the pause between looks at the job while waiting for it to empty, and
// forceLimit how long termination may take before the run gives up.
const (
	pollEvery  = 50 * time.Millisecond
	forceLimit = 10 * time.Second
)

// jobAccounting is JOBOBJECT_BASIC_ACCOUNTING_INFORMATION, which x/sys/windows lacks.
type jobAccounting struct {
	TotalUserTime             int64
	TotalKernelTime           int64
	ThisPeriodTotalUserTime   int64
	ThisPeriodTotalKernelTime int64
	TotalPageFaultCount       uint32
	TotalProcesses            uint32
	ActiveProcesses           uint32
	TotalTerminatedProcesses  uint32
}

// jobTree holds a run's processes in a job object. Every process the script starts joins
// the job, and breaking away is not allowed, so terminating the job ends them all. Closing
// the job's handle (also when the agent dies) ends them too.
type jobTree struct {
	cmd     *exec.Cmd
	job     windows.Handle
	waitErr error
}

func startTree(cmd *exec.Cmd, l launch, _ string) (tree, error) {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return nil, fmt.Errorf("create job object: %w", err)
	}
	limits := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{}
	limits.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	if _, err := windows.SetInformationJobObject(job,
		windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&limits)), uint32(unsafe.Sizeof(limits))); err != nil {
		_ = windows.CloseHandle(job)
		return nil, fmt.Errorf("set job limits: %w", err)
	}

	// The process starts suspended so that it is in the job before its first instruction
	// and so before it can start anything that would escape.
	attr := &syscall.SysProcAttr{
		HideWindow:    true,
		CreationFlags: windows.CREATE_SUSPENDED | windows.CREATE_NO_WINDOW,
	}
	if l.in.lang == sdk.LanguageCmd {
		attr.CmdLine = cmdCommandLine(l.in.path, l.script)
	}
	if l.acct != nil {
		// TODO(windows-desktop): Go cannot set STARTUPINFO.lpDesktop, so the process does
		// not get the user's interactive desktop (winsta0\default); console scripts work,
		// windows they open stay invisible.
		attr.Token = syscall.Token(l.acct.token)
	}
	cmd.SysProcAttr = attr
	if err := cmd.Start(); err != nil {
		_ = windows.CloseHandle(job)
		return nil, err
	}

	t := &jobTree{cmd: cmd, job: job}
	if err := t.adopt(uint32(cmd.Process.Pid)); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = windows.CloseHandle(job)
		return nil, err
	}
	return t, nil
}

// adopt puts the suspended process in the job and lets it run.
func (t *jobTree) adopt(pid uint32) error {
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, pid)
	if err != nil {
		return fmt.Errorf("open script process: %w", err)
	}
	defer func() { _ = windows.CloseHandle(h) }()
	if err := windows.AssignProcessToJobObject(t.job, h); err != nil {
		return fmt.Errorf("assign to job: %w", err)
	}
	return resumeProcess(pid)
}

// resumeProcess resumes the threads of a process started suspended; Go does not hand out
// the main thread's handle, so the threads are found through a snapshot.
func resumeProcess(pid uint32) error {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPTHREAD, 0)
	if err != nil {
		return fmt.Errorf("snapshot threads: %w", err)
	}
	defer func() { _ = windows.CloseHandle(snap) }()

	resumed := 0
	te := windows.ThreadEntry32{Size: uint32(unsafe.Sizeof(windows.ThreadEntry32{}))}
	for err = windows.Thread32First(snap, &te); err == nil; err = windows.Thread32Next(snap, &te) {
		if te.OwnerProcessID != pid {
			continue
		}
		th, err := windows.OpenThread(windows.THREAD_SUSPEND_RESUME, false, te.ThreadID)
		if err != nil {
			return fmt.Errorf("open thread: %w", err)
		}
		_, err = windows.ResumeThread(th)
		_ = windows.CloseHandle(th)
		if err != nil {
			return fmt.Errorf("resume thread: %w", err)
		}
		resumed++
	}
	if resumed == 0 {
		return errors.New("resume script process: no thread found")
	}
	return nil
}

func (t *jobTree) awaitExit() {
	t.waitErr = t.cmd.Wait()
}

func (t *jobTree) wait() (*os.ProcessState, error) {
	return t.cmd.ProcessState, t.waitErr
}

// stop terminates the job. Windows has no polite stop for processes without a console or
// window of their own to signal, so grace is not used.
// TODO(windows-grace): send CTRL_BREAK to console processes first and wait grace.
func (t *jobTree) stop(time.Duration) error {
	if t.active() == 0 {
		return nil
	}
	if err := windows.TerminateJobObject(t.job, 1); err != nil {
		return fmt.Errorf("terminate job: %w", err)
	}
	for end := time.Now().Add(forceLimit); time.Now().Before(end); {
		if t.active() == 0 {
			return nil
		}
		time.Sleep(pollEvery)
	}
	return fmt.Errorf("%w: %d still in the job", ErrProcessesLeft, t.active())
}

// active counts the job's live processes; an unreadable count is taken as some left.
func (t *jobTree) active() uint32 {
	var info jobAccounting
	err := windows.QueryInformationJobObject(t.job, windows.JobObjectBasicAccountingInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info)), nil)
	if err != nil {
		return 1
	}
	return info.ActiveProcesses
}

func (t *jobTree) release() {
	_ = windows.CloseHandle(t.job)
}
