//! The fix a scan prints where a server lets in more than the policy (origins, credentials,
//! methods or headers it does not list): the policy's own allow-list as the configuration of
//! the framework the answers show. Its snippets are the ones `tests/fix_snippets.rs` applies
//! to the real implementations, so what it prints has been seen to work.

use corsproof_oracle::{Framework, OriginTrust, Reason, Requirement};

use crate::checked::Checked;
use crate::disagreement::Cause;
use crate::policy::{Allow, Policy, SAFELISTED_METHODS};

/// The fix for `cause` on `checked` under the user's `policy`; `None` for causes whose
/// check already carries its fix (a blocked request) or that no allow-list fixes.
pub(crate) fn for_cause(cause: Cause, policy: &Policy, checked: &Checked) -> Option<String> {
    let what = match cause {
        Cause::OriginNotInPolicy => {
            "allow exactly the policy's origins, each compared byte for byte with the request's Origin \
             (no reflection, no prefix, suffix, substring or regex match)"
        }
        Cause::CredentialsNotInPolicy => "allow credentials only where the policy does",
        Cause::MethodNotInPolicy => "allow only the methods the policy lists",
        Cause::HeaderNotInPolicy => "allow only the request headers the policy lists",
        Cause::ExposesUnlisted => "expose only the response headers the policy lists",
        _ => return None,
    };
    let Allow::Only(origins) = policy.origins() else {
        return Some(format!("fix: {what}.\n"));
    };
    let origin = origins.first()?;
    let listed = |allow: &Allow| allow.listed().to_vec();
    let required = Requirement {
        origin: origin.clone(),
        credentials: policy.credentials(),
        preflight: true,
        methods: listed(policy.methods())
            .into_iter()
            .filter(|m| !SAFELISTED_METHODS.contains(&m.as_str()))
            .collect(),
        headers: listed(policy.headers()),
    };
    let fix = Reason::MissingAllowOrigin.fix_with(&required, OriginTrust::Confirmed);
    let others = if origins.len() > 1 {
        format!(" (list your other {} origins alike)", origins.len() - 1)
    } else {
        String::new()
    };
    let mut text = format!("fix: {what}. The policy's allow-list for {origin}{others}");
    match checked.fix_framework() {
        Some(framework) => {
            text.push_str(&format!(", as {framework} configuration:\n"));
            for line in fix.snippet(framework).lines() {
                text.push_str(if line.is_empty() { "\n" } else { "  " });
                if !line.is_empty() {
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
        None => text.push_str(&format!(
            ":\n{}  In your server's configuration: `--fix-for NAME`, NAME one of {}.\n",
            fix.headers
                .iter()
                .map(|header| format!("  {}: {}\n", header.name, header.value))
                .collect::<String>(),
            Framework::names()
        )),
    }
    Some(text)
}
