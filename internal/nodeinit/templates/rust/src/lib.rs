//! {{.Name}}: a weft node package written in Rust. Its nodes are listed in
//! `export_nodes!` and described in manifest.toml.
//!
//! ```sh
//! weft pkg build .        # or: weft run example.yaml --package .
//! cargo test              # the tests below, natively, on a fake host
//! ```

use weft_node::{Call, Result};

weft_node::export_nodes! {
    "greet" => greet,
}

/// greet reads the name input (default "world") and outputs a greeting.
fn greet(c: &Call) -> Result<()> {
    let name = c.input_str_or("name", "world")?;
    c.info(format!("greeting {}", name));
    c.set_output_str("greeting", &format!("Hello, {}!", name));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::WEFT_NODES;
    use weft_node::testing::FakeHost;

    #[test]
    fn greet_says_hello() {
        let mut host = FakeHost::new();
        let r = host.run(WEFT_NODES, "greet", r#"{"name": "weft"}"#);
        assert!(r.is_success(), "{:?}", r.error);
        assert_eq!(r.output("greeting").as_str(), Some("Hello, weft!"));
        assert_eq!(host.logs[0].1, "greeting weft");
    }
}
