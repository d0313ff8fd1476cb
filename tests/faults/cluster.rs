//! A private PostgreSQL 15 cluster for one test: `initdb` into a temporary folder, `pg_ctl`
//! on a spare loopback port. The fault tests stop and restart it; the machine's shared server
//! on 5432 is never touched. As root (CI runs as root) the server programs refuse to run, so
//! they run as the `postgres` user through `runuser`.

use std::path::PathBuf;
use std::process::{Command, Output};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

/// Where `initdb` and `pg_ctl` are: `$PG_BIN`, else the first of the usual places that has
/// them (a source build in /usr/local/bin, Debian's /usr/lib/postgresql/VERSION/bin).
fn bin_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut candidates = vec![PathBuf::from("/usr/local/bin")];
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .collect();
        versions.sort();
        candidates.extend(versions.into_iter().rev());
    }
    candidates
        .into_iter()
        .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
        .expect("initdb and pg_ctl (set PG_BIN to their folder)")
}

pub struct PgCluster {
    dir: PathBuf,
    pub port: u16,
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Runs a PostgreSQL program, as the `postgres` user when we are root.
fn pg_program(program: &str, args: &[&str]) -> Output {
    let path = bin_dir().join(program);
    let mut command = if running_as_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(&path);
        c
    } else {
        Command::new(&path)
    };
    command
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", path.display()))
}

fn check(what: &str, output: Output) {
    assert!(
        output.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

impl PgCluster {
    /// Creates and starts a new cluster; it is stopped and deleted on drop.
    pub fn start() -> PgCluster {
        let dir = super::temp_dir("pg");
        if running_as_root() {
            check(
                "chown",
                Command::new("chown")
                    .args(["postgres:postgres"])
                    .arg(&dir)
                    .output()
                    .expect("chown"),
            );
        }
        let data = dir.join("data");
        check(
            "initdb",
            pg_program(
                "initdb",
                &[
                    "-D",
                    &data.to_string_lossy(),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C",
                    "--no-sync",
                    "--no-instructions",
                ],
            ),
        );
        let port = super::free_port();
        // Loopback only, its own socket folder; fsync is off because these tests crash
        // kitdesk and stop PostgreSQL cleanly, never the machine.
        let conf = format!(
            "\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{}'\n\
             fsync = off\nfull_page_writes = off\nmax_connections = 60\nshared_buffers = 32MB\n",
            dir.display()
        );
        let conf_path = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf_path).expect("read postgresql.conf");
        text.push_str(&conf);
        std::fs::write(&conf_path, text).expect("write postgresql.conf");
        let cluster = PgCluster { dir, port };
        cluster.start_again();
        let mut admin = PgConnection::establish(&cluster.url("postgres")).expect("connect");
        admin
            .batch_execute("CREATE DATABASE kitdesk")
            .expect("create database");
        cluster
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// The database kitdesk runs on.
    pub fn kitdesk_url(&self) -> String {
        self.url("kitdesk")
    }

    pub fn connect(&self) -> PgConnection {
        PgConnection::establish(&self.kitdesk_url()).expect("connect to the private cluster")
    }

    /// `pg_ctl start`, waiting until it accepts connections.
    pub fn start_again(&self) {
        let data = self.dir.join("data");
        let log = self.dir.join("postgres.log");
        check(
            "pg_ctl start",
            pg_program(
                "pg_ctl",
                &[
                    "start",
                    "-w",
                    "-t",
                    "30",
                    "-D",
                    &data.to_string_lossy(),
                    "-l",
                    &log.to_string_lossy(),
                ],
            ),
        );
    }

    /// Sends `signal` (`STOP`, `CONT`) to this cluster's postmaster and every process it
    /// started: `STOP` freezes the server with its port open and its sessions alive, as a
    /// hung host or a VM pause would.
    pub fn signal_all(&self, signal: &str) {
        let pid_file = self.dir.join("data").join("postmaster.pid");
        let text = std::fs::read_to_string(&pid_file).expect("postmaster.pid");
        let postmaster: u32 = text
            .lines()
            .next()
            .and_then(|l| l.trim().parse().ok())
            .expect("postmaster pid");
        let mut pids = vec![postmaster];
        for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // pid (comm) state ppid …; comm may hold spaces, so read after the last ')'
            let parent = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if parent == Some(postmaster) {
                pids.push(pid);
            }
        }
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .args(pids.iter().map(|p| p.to_string()))
            .status()
            .expect("kill");
        assert!(status.success(), "kill -{signal} {pids:?}");
    }

    /// `pg_ctl stop -m fast`: sessions are ended, the server goes away, the port closes.
    pub fn stop(&self) {
        let data = self.dir.join("data");
        check(
            "pg_ctl stop",
            pg_program(
                "pg_ctl",
                &["stop", "-w", "-m", "fast", "-D", &data.to_string_lossy()],
            ),
        );
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = pg_program(
            "pg_ctl",
            &[
                "stop",
                "-w",
                "-m",
                "immediate",
                "-D",
                &data.to_string_lossy(),
            ],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
