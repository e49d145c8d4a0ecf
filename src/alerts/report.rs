//! `opsbook alerts`: the alerts and the runbooks that answer them, for a weekly review.
