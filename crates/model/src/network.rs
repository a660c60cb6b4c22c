//! The region's network as Berth imagines it: Berth has no EC2 API, so there is one VPC per
//! region and a subnet id names one of the region's first three Availability Zones, the
//! same one every time. ECS (awsvpc tasks) and ELB (a load balancer's subnets) both read
//! zones from here, so a task and its load balancer agree on where a subnet is.

/// The Availability Zone of `subnet` in `region`.
pub fn zone_of_subnet(region: &str, subnet: &str) -> String {
    format!("{region}{}", ['a', 'b', 'c'][(hash(subnet) % 3) as usize])
}

/// The region's VPC: every subnet is in it.
pub fn default_vpc(region: &str) -> String {
    format!("vpc-{:08x}", hash(region))
}

fn hash(text: &str) -> u32 {
    text.bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// The mapping ECS used before it moved here (a change would move every awsvpc task).
    #[test]
    fn subnets_keep_their_zones() {
        assert_eq!(zone_of_subnet("us-east-1", "subnet-a"), "us-east-1c");
        let zones: Vec<String> = ["subnet-1", "subnet-2", "subnet-3", "subnet-4"]
            .iter()
            .map(|s| zone_of_subnet("us-east-1", s))
            .collect();
        assert!(zones.iter().all(|z| z.starts_with("us-east-1")));
        assert_eq!(default_vpc("us-east-1"), default_vpc("us-east-1"));
        assert!(default_vpc("us-east-1").starts_with("vpc-"));
    }
}
