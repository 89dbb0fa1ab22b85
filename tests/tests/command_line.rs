//! The command line every server understands, seen from a shell: errors name what is wrong.

use std::process::Command;

#[test]
fn an_address_in_use_is_named() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_fixture-server"))
        .args(["--transport", "http", "--bind", &address.to_string()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on {address}:")),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn a_host_name_is_a_bind_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fixture-server"))
        .args([
            "--transport",
            "http",
            "--bind",
            &format!("localhost:{port}"),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // `localhost` resolves. On 127.0.0.1 the port is taken, so the server stops at once,
    // naming the address it resolved to; on ::1 it serves, and is stopped here.
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(10) {
        if child.try_wait().unwrap().is_some() {
            let output = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(!stderr.contains("invalid --bind"), "{stderr}");
            assert!(stderr.contains("cannot listen on"), "{stderr}");
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}
