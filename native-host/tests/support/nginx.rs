//! A real nginx (Debian's nginx-light) on 127.0.0.1 for native-host's tests: the `server` blocks a
//! test gives, every path inside a directory of its own, stopped when dropped. nginx is required
//! (scripts/setup-test-deps.sh installs it): without it the test fails, it does not skip.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

/// A running nginx.
pub struct Nginx {
    child: Child,
    dir: tempfile::TempDir,
}

impl Nginx {
    /// Starts nginx in `dir` with `servers` (its `server { … }` blocks, which may refer to files the
    /// test put in `dir`) and waits, at most 5 s, until every port of `ports` accepts connections.
    pub fn start(dir: tempfile::TempDir, servers: &str, ports: &[u16]) -> Nginx {
        let d = dir.path().display();
        let conf = dir.path().join("nginx.conf");
        std::fs::write(
            &conf,
            format!(
                "daemon off; master_process off; pid {d}/nginx.pid; error_log {d}/error.log;\n\
                 events {{}}\nhttp {{ access_log {d}/access.log; \
                 client_body_temp_path {d}; proxy_temp_path {d}; fastcgi_temp_path {d}; \
                 uwsgi_temp_path {d}; scgi_temp_path {d};\n{servers}}}\n"
            ),
        )
        .unwrap();
        let binary = ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
            .expect("nginx is installed (scripts/setup-test-deps.sh)");
        let nginx = Nginx {
            child: Command::new(binary)
                .arg("-c")
                .arg(&conf)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start nginx"),
            dir,
        };
        for _ in 0..100 {
            if ports
                .iter()
                .all(|p| std::net::TcpStream::connect(("127.0.0.1", *p)).is_ok())
            {
                return nginx;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "nginx did not start listening within 5 s: {}",
            std::fs::read_to_string(nginx.path().join("error.log")).unwrap_or_default()
        );
    }

    /// Its directory (configuration, logs, the files the test put there).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port on 127.0.0.1 nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
