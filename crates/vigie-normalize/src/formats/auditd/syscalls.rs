//! A small x86_64 (`arch=c000003e`) syscall table for the calls that audit
//! rules commonly watch, and the ECS category/type each one implies.

/// The name of x86_64 syscall `n`, for the common ones.
pub fn x86_64(n: u64) -> Option<&'static str> {
    Some(match n {
        0 => "read",
        1 => "write",
        2 => "open",
        3 => "close",
        4 => "stat",
        5 => "fstat",
        6 => "lstat",
        9 => "mmap",
        10 => "mprotect",
        21 => "access",
        41 => "socket",
        42 => "connect",
        43 => "accept",
        44 => "sendto",
        45 => "recvfrom",
        46 => "sendmsg",
        47 => "recvmsg",
        49 => "bind",
        50 => "listen",
        56 => "clone",
        57 => "fork",
        58 => "vfork",
        59 => "execve",
        60 => "exit",
        62 => "kill",
        76 => "truncate",
        77 => "ftruncate",
        82 => "rename",
        83 => "mkdir",
        84 => "rmdir",
        85 => "creat",
        86 => "link",
        87 => "unlink",
        88 => "symlink",
        90 => "chmod",
        91 => "fchmod",
        92 => "chown",
        93 => "fchown",
        94 => "lchown",
        101 => "ptrace",
        105 => "setuid",
        106 => "setgid",
        113 => "setreuid",
        114 => "setregid",
        117 => "setresuid",
        119 => "setresgid",
        161 => "chroot",
        165 => "mount",
        166 => "umount2",
        175 => "init_module",
        176 => "delete_module",
        188 => "setxattr",
        231 => "exit_group",
        257 => "openat",
        258 => "mkdirat",
        260 => "fchownat",
        263 => "unlinkat",
        264 => "renameat",
        265 => "linkat",
        266 => "symlinkat",
        268 => "fchmodat",
        269 => "faccessat",
        288 => "accept4",
        313 => "finit_module",
        316 => "renameat2",
        322 => "execveat",
        437 => "openat2",
        _ => return None,
    })
}

/// `(event.category, event.type)` implied by a syscall name.
pub fn ecs_kind(name: &str) -> Option<(&'static str, &'static str)> {
    Some(match name {
        "execve" | "execveat" | "fork" | "vfork" | "clone" => ("process", "start"),
        "kill" | "exit" | "exit_group" => ("process", "end"),
        "connect" => ("network", "connection"),
        "bind" | "listen" | "accept" | "accept4" => ("network", "start"),
        "open" | "openat" | "openat2" | "read" | "access" | "faccessat" => ("file", "access"),
        "creat" | "mkdir" | "mkdirat" | "link" | "linkat" | "symlink" | "symlinkat" => {
            ("file", "creation")
        }
        "unlink" | "unlinkat" | "rmdir" => ("file", "deletion"),
        "rename" | "renameat" | "renameat2" | "truncate" | "ftruncate" | "chmod" | "fchmod"
        | "fchmodat" | "chown" | "fchown" | "lchown" | "fchownat" | "setxattr" | "write" => {
            ("file", "change")
        }
        "init_module" | "finit_module" => ("driver", "start"),
        "delete_module" => ("driver", "end"),
        _ => return None,
    })
}

/// `(event.category, event.type)` implied by a record type without SYSCALL.
pub fn record_kind(rtype: &str) -> Option<(&'static str, &'static str)> {
    Some(match rtype {
        "USER_AUTH" | "USER_ACCT" | "CRED_ACQ" | "CRED_REFR" | "CRED_DISP" => {
            ("authentication", "info")
        }
        "USER_LOGIN" | "USER_START" => ("authentication", "start"),
        "USER_LOGOUT" | "USER_END" => ("authentication", "end"),
        "ADD_USER" => ("iam", "creation"),
        "DEL_USER" => ("iam", "deletion"),
        "ADD_GROUP" => ("iam", "creation"),
        "DEL_GROUP" => ("iam", "deletion"),
        "USER_MGMT" | "GRP_MGMT" | "ACCT_LOCK" | "ACCT_UNLOCK" | "USER_CHAUTHTOK" => {
            ("iam", "change")
        }
        "USER_CMD" | "SERVICE_START" | "DAEMON_START" | "DAEMON_RESUME" => ("process", "start"),
        "SERVICE_STOP" | "DAEMON_END" | "DAEMON_ABORT" | "ANOM_ABEND" => ("process", "end"),
        "CONFIG_CHANGE" | "DAEMON_CONFIG" | "MAC_STATUS" | "NETFILTER_CFG" | "USYS_CONFIG" => {
            ("configuration", "change")
        }
        "SOFTWARE_UPDATE" => ("package", "installation"),
        "SYSTEM_BOOT" | "SYSTEM_RUNLEVEL" => ("host", "start"),
        "SYSTEM_SHUTDOWN" => ("host", "end"),
        "KERN_MODULE" => ("driver", "info"),
        _ => return None,
    })
}
