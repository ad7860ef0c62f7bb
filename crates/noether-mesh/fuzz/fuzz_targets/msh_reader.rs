//! Fuzzes the MSH reader: any bytes must give a mesh or a typed error, never a
//! panic; a mesh that is read must survive a write/read round trip unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use noether_mesh::io::msh::{MshFormat, read_msh, write_msh};

fuzz_target!(|data: &[u8]| {
    if let Ok(mesh) = read_msh(data) {
        for format in [MshFormat::V41 { binary: true }, MshFormat::V22 { binary: false }] {
            let back = read_msh(&write_msh(&mesh, format)).expect("re-reading our own output");
            assert_eq!(back, mesh);
        }
    }
});
