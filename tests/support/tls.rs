//! A TLS listener in front of a tansu broker: tansu listens in plaintext on one
//! port and advertises the port stunnel accepts TLS on, so every connection a
//! client makes goes through stunnel. Server certificates are made per test with
//! openssl, signed by the fixture CA (tests/fixtures/tls/README.md).

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{free_port, tool};

pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls");

pub fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

/// The server certificate stunnel presents.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ServerCert {
    /// For 127.0.0.1, signed by the fixture CA, valid for a day.
    Good,
    /// For another host name.
    WrongHost,
    /// Its validity ended when it was made.
    Expired,
}

pub struct TlsBroker {
    tansu: Child,
    stunnel: Child,
    port: u16,
    pub dir: tempfile::TempDir,
}

impl TlsBroker {
    /// `mutual`: stunnel requires a client certificate signed by the fixture CA.
    pub fn start(cert: ServerCert, mutual: bool) -> Self {
        let dir = tempfile::tempdir().expect("tls dir");
        let (plain, port) = (free_port(), free_port());
        let (server_pem, server_key) = server_certificate(dir.path(), cert);
        let tansu = Command::new(tool("tansu", "cargo install tansu --locked --features dynostore (see README)"))
            .args(["broker", "--listener-url", &format!("tcp://127.0.0.1:{plain}")])
            .args(["--advertised-listener-url", &format!("tcp://127.0.0.1:{port}")])
            .args(["--storage-engine", "memory://tansu/"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn tansu");
        let mut config = format!(
            "foreground = yes\npid =\ndebug = 3\n[kafka]\naccept = 127.0.0.1:{port}\nconnect = 127.0.0.1:{plain}\ncert = {}\nkey = {}\n",
            server_pem.display(),
            server_key.display()
        );
        if mutual {
            config.push_str(&format!("verifyChain = yes\nrequireCert = yes\nCAfile = {}\n", fixture("ca.pem")));
        }
        let config_path = dir.path().join("stunnel.conf");
        std::fs::write(&config_path, config).unwrap();
        let log = std::fs::File::create(dir.path().join("stunnel.log")).unwrap();
        let stunnel = Command::new(tool("stunnel4", "apt-get install stunnel4 (tests/run.sh does)"))
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn stunnel4");
        let mut broker = TlsBroker { tansu, stunnel, port, dir };
        broker.wait_for(plain);
        broker.wait_for(port);
        if cert == ServerCert::Expired {
            // -days 0 ends the validity at the second it starts.
            std::thread::sleep(Duration::from_millis(1100));
        }
        broker
    }

    fn wait_for(&mut self, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            for (name, child) in [("tansu", &mut self.tansu), ("stunnel4", &mut self.stunnel)] {
                if let Ok(Some(status)) = child.try_wait() {
                    let log = std::fs::read_to_string(self.dir.path().join("stunnel.log")).unwrap_or_default();
                    panic!("{name} exited with {status}\n{log}");
                }
            }
            assert!(Instant::now() < deadline, "nothing listens on {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The TLS address clients use.
    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for TlsBroker {
    fn drop(&mut self) {
        for child in [&mut self.stunnel, &mut self.tansu] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn openssl(args: &[&str]) {
    let output = Command::new(tool("openssl", "apt-get install openssl")).args(args).output().expect("run openssl");
    assert!(output.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

fn server_certificate(dir: &Path, cert: ServerCert) -> (PathBuf, PathBuf) {
    let (key, csr, pem, ext) =
        (dir.join("server.key"), dir.join("server.csr"), dir.join("server.pem"), dir.join("server.ext"));
    let san = match cert {
        ServerCert::WrongHost => "subjectAltName=DNS:wrong.example\n",
        _ => "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    };
    std::fs::write(&ext, san).unwrap();
    let subject = if cert == ServerCert::WrongHost { "/CN=wrong.example" } else { "/CN=localhost" };
    let path = |path: &Path| path.to_str().unwrap().to_string();
    openssl(&["req", "-newkey", "rsa:2048", "-nodes", "-keyout", &path(&key), "-out", &path(&csr), "-subj", subject]);
    let days = if cert == ServerCert::Expired { "0" } else { "1" };
    let (ca, ca_key) = (fixture("ca.pem"), fixture("ca.key"));
    let serial = path(&dir.join("ca.srl"));
    openssl(&[
        "x509",
        "-req",
        "-in",
        &path(&csr),
        "-CA",
        &ca,
        "-CAkey",
        &ca_key,
        "-CAserial",
        &serial,
        "-CAcreateserial",
        "-out",
        &path(&pem),
        "-days",
        days,
        "-extfile",
        &path(&ext),
    ]);
    (pem, key)
}

/// Another CA, which signed nothing the broker presents.
pub fn other_ca(dir: &Path) -> PathBuf {
    let (key, pem) = (dir.join("other-ca.key"), dir.join("other-ca.pem"));
    let path = |path: &Path| path.to_str().unwrap().to_string();
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        &path(&key),
        "-out",
        &path(&pem),
        "-days",
        "1",
        "-subj",
        "/CN=kdeck-other-ca",
    ]);
    pem
}
