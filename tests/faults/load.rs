//! A small closed-loop load generator: `clients` tasks each send one request after another
//! and record when it started, how long it took and what came back.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What one request got.
#[derive(Debug, Clone)]
pub struct Sample {
    pub kind: &'static str,
    /// Since the load started.
    pub start: Duration,
    pub latency: Duration,
    /// The HTTP status, or the transport error.
    pub status: Result<u16, String>,
    pub retry_after: bool,
    pub code: Option<String>,
}

impl Sample {
    pub fn end(&self) -> Duration {
        self.start + self.latency
    }

    pub fn ok(&self) -> bool {
        matches!(self.status, Ok(s) if (200..300).contains(&s))
    }
}

/// Builds the `n`th request of client `c`: its kind and the request.
pub type MakeRequest =
    dyn Fn(usize, usize) -> (&'static str, reqwest::RequestBuilder) + Send + Sync;

pub struct Load {
    pub t0: Instant,
    stop: Arc<AtomicBool>,
    samples: Arc<Mutex<Vec<Sample>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    pub fn start(clients: usize, make: Arc<MakeRequest>) -> Load {
        let t0 = Instant::now();
        let stop = Arc::new(AtomicBool::new(false));
        let samples = Arc::new(Mutex::new(Vec::new()));
        let tasks = (0..clients)
            .map(|c| {
                let (stop, samples, make) = (stop.clone(), samples.clone(), make.clone());
                tokio::spawn(async move {
                    let mut n = 0;
                    while !stop.load(Ordering::SeqCst) {
                        let (kind, request) = make(c, n);
                        n += 1;
                        let start = t0.elapsed();
                        let result = request.send().await;
                        let latency = t0.elapsed() - start;
                        let sample = match result {
                            Ok(response) => {
                                let status = response.status().as_u16();
                                let retry_after = response.headers().contains_key("retry-after");
                                let body: serde_json::Value =
                                    response.json().await.unwrap_or_default();
                                Sample {
                                    kind,
                                    start,
                                    latency,
                                    status: Ok(status),
                                    retry_after,
                                    code: body["code"].as_str().map(str::to_owned),
                                }
                            }
                            Err(e) => Sample {
                                kind,
                                start,
                                latency,
                                status: Err(e.to_string()),
                                retry_after: false,
                                code: None,
                            },
                        };
                        let refused = sample.status.is_err();
                        samples
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push(sample);
                        // A refused connection returns at once: do not spin on it.
                        if refused {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    }
                })
            })
            .collect();
        Load {
            t0,
            stop,
            samples,
            tasks,
        }
    }

    pub fn now(&self) -> Duration {
        self.t0.elapsed()
    }

    /// Asks every client to stop after its current request and returns all samples.
    pub async fn finish(self) -> Vec<Sample> {
        self.stop.store(true, Ordering::SeqCst);
        for task in self.tasks {
            let _ = task.await;
        }
        let samples = self.samples.lock().unwrap_or_else(|p| p.into_inner());
        samples.clone()
    }
}
