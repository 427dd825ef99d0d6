// The write barriers NativeAOT's arm64 code calls with their own register convention
// (dotnet/runtime, nativeaot/Runtime/arm64/WriteBarriers.S): x14 = the destination, x15 = the
// reference; x14 is left pointing past the stored slot. There is no GC, so the barrier is the
// store alone.
.text

.global RhpAssignRefArm64
.global RhpCheckedAssignRefArm64
.type RhpAssignRefArm64, %function
.type RhpCheckedAssignRefArm64, %function
RhpAssignRefArm64:
RhpCheckedAssignRefArm64:
    str x15, [x14], #8
    ret

// x13 = the source slot, x14 = the destination slot; both advance by 8.
.global RhpByRefAssignRefArm64
.type RhpByRefAssignRefArm64, %function
RhpByRefAssignRefArm64:
    ldr x15, [x13], #8
    str x15, [x14], #8
    ret

.section .note.GNU-stack, "", %progbits
