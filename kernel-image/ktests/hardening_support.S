# Helpers for the hardening tests (HardeningTests.cs) that need exact flag manipulation.
.intel_syntax noprefix
.text

# void aurora_test_set_nested_task(void): RFLAGS.NT = 1 (harmless in kernel code until an
# IRETQ, which the scheduler's per-thread flags must keep it away from).
.global aurora_test_set_nested_task
.type aurora_test_set_nested_task, @function
aurora_test_set_nested_task:
    pushfq
    or qword ptr [rsp], 1 << 14
    popfq
    ret

# void aurora_test_clear_nested_task(void)
.global aurora_test_clear_nested_task
.type aurora_test_clear_nested_task, @function
aurora_test_clear_nested_task:
    pushfq
    and qword ptr [rsp], ~(1 << 14)
    popfq
    ret

.section .note.GNU-stack,"",@progbits
