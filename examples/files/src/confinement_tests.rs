//! Confinement under attack: a directory swapped for a link leading outside while the
//! server works beneath it, and special files (FIFOs) inside the root.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mcp_runtime::permission::Policy;
use mcp_runtime::prelude::*;
use mcp_runtime::testing::TestClient;
use serde_json::{json, Value};

use crate::serving;

/// What the file outside the root holds; no answer may ever contain it.
const SECRET: &str = "SECRET-OUTSIDE-THE-ROOT";

fn client(served: &Path) -> TestClient {
    let policy = Policy::new().allow_up_to(RiskLevel::Critical);
    TestClient::modern(serving(served).policy(policy)).unwrap()
}

/// Renames `from` to `to`; when the server recreated a directory at `to` in between (a
/// write creates missing directories), that directory goes first.
fn rename_over(from: &Path, to: &Path) {
    let mut last = None;
    for _ in 0..100 {
        match std::fs::rename(from, to) {
            Ok(()) => return,
            Err(e) => {
                if std::fs::symlink_metadata(to).is_ok_and(|m| m.is_dir()) {
                    let _ = std::fs::remove_dir_all(to);
                }
                last = Some(e);
            }
        }
    }
    panic!(
        "cannot rename {} to {}: {last:?}",
        from.display(),
        to.display()
    );
}

/// Swaps the directory `dir` with a link to `outside` and back, again and again, until
/// `stop`, `until` or a bounded number of swaps; returns how many swaps it made.
fn swap(dir: &Path, outside: &Path, stop: &AtomicBool, until: Instant) -> usize {
    let held = dir.with_file_name("held");
    let link = dir.with_file_name("link");
    std::os::unix::fs::symlink(outside, &link).unwrap();
    let mut swaps = 0;
    while !stop.load(Ordering::Relaxed) && Instant::now() < until && swaps < 200_000 {
        // The real directory steps aside and the link takes its name: `dir` leads outside.
        rename_over(dir, &held);
        rename_over(&link, dir);
        // And back.
        rename_over(dir, &link);
        rename_over(&held, dir);
        swaps += 1;
    }
    swaps
}

/// The outside directory's entries and what each file holds.
fn contents(dir: &Path) -> Vec<(String, String)> {
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            (e.file_name().to_string_lossy().into_owned(), text)
        })
        .collect();
    found.sort();
    found
}

#[tokio::test]
async fn a_directory_swapped_for_an_outward_link_leaks_nothing() {
    let served = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let dir = served.path().join("d");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("file.txt"), "inside").unwrap();
    std::fs::write(outside.path().join("file.txt"), SECRET).unwrap();
    std::fs::write(outside.path().join("only-outside.txt"), SECRET).unwrap();
    let before = contents(outside.path());
    let client = client(served.path());

    let stop = Arc::new(AtomicBool::new(false));
    let until = Instant::now() + Duration::from_secs(2);
    let swapper = {
        let (dir, outside, stop) = (dir.clone(), outside.path().to_owned(), stop.clone());
        std::thread::spawn(move || swap(&dir, &outside, &stop, until))
    };

    let mut rounds = 0;
    let mut leaks: Vec<String> = Vec::new();
    let note = |leaks: &mut Vec<String>, what: &str, answer: String| {
        if answer.contains(SECRET) || answer.contains("only-outside") {
            leaks.push(format!("{what}: {answer}"));
        }
    };
    while Instant::now() < until && rounds < 5_000 {
        rounds += 1;
        let read = client
            .call_tool("read_file", json!({"path": "d/file.txt"}))
            .await
            .unwrap();
        note(&mut leaks, "read_file", read.text());
        if let Ok(resource) = client
            .request("resources/read", json!({"uri": "file:///d%2Ffile.txt"}))
            .await
        {
            note(&mut leaks, "resources/read", resource.to_string());
        }
        let listed = client
            .call_tool("list_directory", json!({"path": "d"}))
            .await
            .unwrap();
        note(
            &mut leaks,
            "list_directory",
            format!("{} {:?}", listed.text(), listed.structured_content),
        );
        let found = client
            .call_tool("search_files", json!({"query": "secret", "path": "d"}))
            .await
            .unwrap();
        note(
            &mut leaks,
            "search_files",
            format!("{} {:?}", found.text(), found.structured_content),
        );
        let name = format!("planted-{}.txt", rounds % 16);
        client
            .call_tool(
                "write_file",
                json!({"path": format!("d/{name}"), "content": "x"}),
            )
            .await
            .unwrap();
        let planted = outside.path().join(&name);
        if planted.exists() {
            leaks.push(format!("write_file created {name} outside the root"));
            // Gone again, so that each write that lands outside is counted once.
            let _ = std::fs::remove_file(planted);
        }
    }
    stop.store(true, Ordering::Relaxed);
    let swaps = swapper.join().unwrap();

    assert!(swaps > 100, "only {swaps} swaps: the race was not run");
    assert!(
        rounds >= 50,
        "only {rounds} rounds of requests during the race"
    );
    if let Some(first) = leaks.first() {
        let mut by_operation = std::collections::BTreeMap::<&str, usize>::new();
        for leak in &leaks {
            let operation = leak.split([':', ' ']).next().unwrap_or_default();
            *by_operation.entry(operation).or_default() += 1;
        }
        panic!(
            "{} leaks in {rounds} rounds while the directory was swapped {swaps} times \
             ({by_operation:?}); first: {first}",
            leaks.len()
        );
    }
    assert_eq!(contents(outside.path()), before, "the outside changed");
    // Between swaps, the served file is still read as usual.
    let read = client
        .call_tool("read_file", json!({"path": "d/file.txt"}))
        .await
        .unwrap();
    assert_eq!(read.text(), "inside");
}

/// Sends `method` with `params`; an answer later than a few seconds fails the test, after
/// opening the FIFO at `pipe` both ways so that a server stuck on it comes free.
async fn answered_promptly(
    client: &Arc<TestClient>,
    pipe: &PathBuf,
    method: &str,
    params: Value,
) -> Result<Value, String> {
    let call = {
        let (client, method) = (client.clone(), method.to_owned());
        tokio::spawn(async move {
            client
                .request(&method, params)
                .await
                .map_err(|e| e.message.clone())
        })
    };
    match tokio::time::timeout(Duration::from_secs(5), call).await {
        Ok(answer) => answer.unwrap(),
        Err(_) => {
            let unblock = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(pipe);
            drop(unblock);
            panic!("{method} did not answer within 5 s: the server blocked on the FIFO");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fifo_is_refused_promptly_and_the_server_keeps_answering() {
    let served = tempfile::tempdir().unwrap();
    std::fs::write(served.path().join("plain.txt"), "plain").unwrap();
    let pipe = served.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .unwrap();
    assert!(made.success());
    let client = Arc::new(client(served.path()));

    let call = |name: &str, arguments: Value| json!({"name": name, "arguments": arguments});
    let read = answered_promptly(
        &client,
        &pipe,
        "tools/call",
        call("read_file", json!({"path": "pipe"})),
    )
    .await
    .unwrap();
    assert_eq!(read["isError"], true, "{read}");
    assert!(
        read["content"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("not a regular file")),
        "{read}"
    );
    let resource = answered_promptly(
        &client,
        &pipe,
        "resources/read",
        json!({"uri": "file:///pipe"}),
    )
    .await;
    assert!(resource.is_err(), "{resource:?}");
    let written = answered_promptly(
        &client,
        &pipe,
        "tools/call",
        call("write_file", json!({"path": "pipe", "content": "x"})),
    )
    .await
    .unwrap();
    assert_eq!(written["isError"], true, "{written}");
    let found = answered_promptly(
        &client,
        &pipe,
        "tools/call",
        call("search_files", json!({"query": "p"})),
    )
    .await
    .unwrap();
    assert_ne!(found["isError"], true, "{found}");
    // Only regular files are searched: the FIFO is passed over, by name too.
    let paths: Vec<_> = found["structuredContent"]["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["plain.txt", "plain.txt"], "{found}");

    let plain = answered_promptly(
        &client,
        &pipe,
        "tools/call",
        call("read_file", json!({"path": "plain.txt"})),
    )
    .await
    .unwrap();
    assert_eq!(plain["content"][0]["text"], "plain", "{plain}");
}
