//! What "the oracle agrees with the browser" means, field by field: one definition for the
//! recorded snapshots (`tests/oracle_agreement.rs`) and the generated cases
//! (`tests/browser_properties.rs`).

use corsproof_runner::predict::Prediction;
use serde_json::{Value, json};

/// The fields compared, as the snapshot writes them.
pub fn predicted_fields(prediction: &Prediction) -> Vec<(&'static str, Value)> {
    vec![
        ("outcome", json!(prediction.outcome.name())),
        ("reason_class", prediction.reason_class.map_or(Value::Null, |class| json!(class.name()))),
        ("reason_in_preflight", json!(prediction.reason_in_preflight)),
        ("preflight", json!(prediction.preflight)),
        ("reached_server", json!(prediction.reached_server)),
        ("status", prediction.status.map_or(Value::Null, |status| json!(status))),
        ("readable_headers", json!(prediction.readable_headers)),
    ]
}

/// The same field in a snapshot's request; absent optional fields read as the defaults the
/// snapshot writer leaves out.
pub fn observed_field(request: &Value, field: &str) -> Value {
    match (field, request.get(field)) {
        (_, Some(value)) => value.clone(),
        ("reason_in_preflight", None) => json!(false),
        (_, None) => Value::Null,
    }
}
