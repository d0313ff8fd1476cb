//! Throttles for sign-in and other guessable endpoints, with `governor`'s GCRA limiters.
//!
//! Sign-in attempts are limited per (account, client address), per client address and per
//! account. The first stops one client guessing one password; the second one client spraying
//! many accounts; the third many clients on one account. The per-account allowance is larger
//! than the per-pair one, so the right person can still sign in from another address while
//! one address is being throttled. Limits live in this process: with several instances each
//! enforces its own (the proxy in front can add a global limit).

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// One keyed limiter with a burst and a steady rate.
pub struct KeyedThrottle<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    clock: DefaultClock,
}

impl<K: Hash + Eq + Clone> KeyedThrottle<K> {
    /// `burst` attempts at once, then one more every `period`.
    pub fn new(burst: u32, period: Duration) -> Self {
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        // `with_period` is None only for a zero period; fall back to one second.
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        KeyedThrottle {
            limiter: RateLimiter::keyed(quota),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one attempt for `key`; `Err(wait)` when over the limit.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        self.limiter
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Forgets keys whose allowance is full again (bounds memory).
    pub fn prune(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

pub struct LoginThrottle {
    per_account_address: KeyedThrottle<(String, IpAddr)>,
    per_address: KeyedThrottle<IpAddr>,
    per_account: KeyedThrottle<String>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle {
            // 5 tries, then one every 12 s (5 a minute) for one account from one address
            per_account_address: KeyedThrottle::new(5, Duration::from_secs(12)),
            // 20 tries, then one every 3 s for one address over all accounts
            per_address: KeyedThrottle::new(20, Duration::from_secs(3)),
            // 20 tries, then one every 36 s (100 an hour) for one account over all addresses
            per_account: KeyedThrottle::new(20, Duration::from_secs(36)),
        }
    }
}

impl LoginThrottle {
    /// Counts a sign-in attempt; `Err(wait)` when any limit is exceeded.
    pub fn check(&self, email: &str, address: IpAddr) -> Result<(), Duration> {
        let account = email.trim().to_lowercase();
        self.per_account_address
            .check(&(account.clone(), address))?;
        self.per_address.check(&address)?;
        self.per_account.check(&account)
    }

    pub fn prune(&self) {
        self.per_account_address.prune();
        self.per_address.prune();
        self.per_account.prune();
    }
}

/// The public status look-up: a receipt's date of birth is its only secret, so guesses are
/// limited per client address and, whatever the addresses, per receipt number.
pub struct StatusThrottle {
    per_address: KeyedThrottle<IpAddr>,
    per_receipt: KeyedThrottle<String>,
}

impl Default for StatusThrottle {
    fn default() -> Self {
        StatusThrottle {
            // 10 look-ups at once, then one every 6 s, per client address
            per_address: KeyedThrottle::new(10, Duration::from_secs(6)),
            // 10 look-ups at once, then 6 an hour, per receipt: about 150 guesses a day over
            // some 15,000 plausible dates of birth
            per_receipt: KeyedThrottle::new(10, Duration::from_secs(600)),
        }
    }
}

impl StatusThrottle {
    /// Counts a look-up of `receipt` (as typed) from `address`; `Err(wait)` when over a limit.
    pub fn check(&self, address: IpAddr, receipt: &str) -> Result<(), Duration> {
        self.per_address.check(&address)?;
        // The same receipt however it is typed (case, spaces, dashes).
        let key = match crate::domain::ReceiptNumber::parse(receipt) {
            Ok(r) => r.as_str().to_owned(),
            // not a receipt number: the look-up answers 404 without the database
            Err(_) => return Ok(()),
        };
        self.per_receipt.check(&key)
    }

    pub fn prune(&self) {
        self.per_address.prune();
        self.per_receipt.prune();
    }
}

/// The account flows that a stranger can start or guess at: asking for a password reset
/// link (which mails someone), using a link's token (reset, invitation), and second-factor
/// codes (a six-digit code is guessable without a limit).
pub struct AccountThrottle {
    /// reset requests per account: 3 at once, then one every 5 minutes (no mail bombing)
    reset_per_account: KeyedThrottle<String>,
    /// reset requests per address: 10 at once, then one every 30 s
    reset_per_address: KeyedThrottle<IpAddr>,
    /// token uses per address: 10 at once, then one every 6 s
    token_per_address: KeyedThrottle<IpAddr>,
    /// second-factor codes per account: 10 at once, then one a minute: at most about 1,450
    /// guesses a day against a million codes, three of which are good at a time
    code_per_account: KeyedThrottle<String>,
    /// second-factor codes per address: 20 at once, then one every 3 s
    code_per_address: KeyedThrottle<IpAddr>,
}

impl Default for AccountThrottle {
    fn default() -> Self {
        AccountThrottle {
            reset_per_account: KeyedThrottle::new(3, Duration::from_secs(300)),
            reset_per_address: KeyedThrottle::new(10, Duration::from_secs(30)),
            token_per_address: KeyedThrottle::new(10, Duration::from_secs(6)),
            code_per_account: KeyedThrottle::new(10, Duration::from_secs(60)),
            code_per_address: KeyedThrottle::new(20, Duration::from_secs(3)),
        }
    }
}

impl AccountThrottle {
    /// Counts a password reset request for `email` from `address`.
    pub fn check_reset_request(&self, email: &str, address: IpAddr) -> Result<(), Duration> {
        self.reset_per_address.check(&address)?;
        self.reset_per_account.check(&email.trim().to_lowercase())
    }

    /// Counts a use of a link's token (password reset, invitation) from `address`.
    pub fn check_token_use(&self, address: IpAddr) -> Result<(), Duration> {
        self.token_per_address.check(&address)
    }

    /// Counts a second-factor code for `account` (a user id) from `address`.
    pub fn check_code(&self, account: &str, address: IpAddr) -> Result<(), Duration> {
        self.code_per_address.check(&address)?;
        self.code_per_account.check(&account.to_owned())
    }

    pub fn prune(&self) {
        self.reset_per_account.prune();
        self.reset_per_address.prune();
        self.token_per_address.prune();
        self.code_per_account.prune();
        self.code_per_address.prune();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_limit_does_not_block_other_addresses() {
        let t = LoginThrottle::default();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        for _ in 0..5 {
            assert!(t.check("kim@example.com", a).is_ok());
        }
        let wait = t.check("Kim@Example.com", a).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(12));
        assert!(t.check("kim@example.com", b).is_ok());
    }

    #[test]
    fn address_limit_spans_accounts() {
        let t = LoginThrottle::default();
        let a: IpAddr = "10.0.0.3".parse().unwrap();
        for i in 0..20 {
            assert!(t.check(&format!("user{i}@example.com"), a).is_ok());
        }
        assert!(t.check("another@example.com", a).is_err());
    }
}
