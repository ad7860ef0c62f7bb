//! The generators reject bad arguments with a typed error naming the argument the
//! caller passed (not the name of an inner call's parameter).

use noether_mesh::MeshError;
use noether_mesh::generate::{self, Diagonal};

/// The `name` of an `InvalidArgument`, or a panic saying what came instead.
fn argument_name(result: noether_mesh::Result<noether_mesh::Mesh>) -> &'static str {
    match result {
        Err(MeshError::InvalidArgument { name, .. }) => name,
        Err(e) => panic!("expected InvalidArgument, got {e}"),
        Ok(_) => panic!("expected InvalidArgument, got a mesh"),
    }
}

#[test]
fn each_generator_names_its_own_argument() {
    assert_eq!(argument_name(generate::l_shape(0)), "n");
    assert_eq!(argument_name(generate::unit_cube(0)), "n");
    assert_eq!(argument_name(generate::interval(0, 0.0, 1.0)), "n");
    assert_eq!(argument_name(generate::interval(4, 1.0, 1.0)), "a, b");
    assert_eq!(
        argument_name(generate::unit_square(0, 3, Diagonal::Right)),
        "nx"
    );
    assert_eq!(
        argument_name(generate::unit_square(3, 0, Diagonal::Right)),
        "ny"
    );
    assert_eq!(
        argument_name(generate::rectangle(
            2,
            2,
            [0.0, 1.0],
            [1.0, 1.0],
            Diagonal::Left
        )),
        "lo, hi"
    );
    assert_eq!(argument_name(generate::disk(0, 1.0)), "n");
    assert_eq!(argument_name(generate::disk(3, f64::NAN)), "r");
    assert_eq!(argument_name(generate::annulus(0, 8, 0.5, 1.0)), "nr");
    assert_eq!(argument_name(generate::annulus(2, 2, 0.5, 1.0)), "nt");
    assert_eq!(argument_name(generate::annulus(2, 8, 1.0, 0.5)), "r0, r1");
}

#[test]
fn the_message_names_the_argument_and_its_value() {
    let Err(e) = generate::l_shape(0) else {
        panic!("l_shape(0) built a mesh")
    };
    let msg = e.to_string();
    assert!(msg.contains("n = 0"), "{msg}");
}
