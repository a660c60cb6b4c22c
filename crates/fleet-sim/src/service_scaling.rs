//! Service Auto Scaling in the region: Application Auto Scaling calls ECS (DescribeServices,
//! UpdateService) and CloudWatch (PutMetricAlarm, DeleteAlarms) through their public verbs, as
//! the real service calls their APIs, and CloudWatch's alarms invoke its policies.

use berth_autoscaling::{Alarm, Capacity, Host, Reading};
use berth_cloudwatch::CloudWatch;
use berth_control_plane::requests::{DescribeServicesRequest, UpdateServiceRequest};
use berth_control_plane::{ControlPlane, Request, Response};
use berth_model::states::{RolloutState, ServiceStatus};
use berth_model::SimTime;

/// What Application Auto Scaling reaches in the region.
pub(crate) struct Region<'a> {
    pub(crate) cp: &'a mut ControlPlane,
    pub(crate) cloudwatch: &'a mut CloudWatch,
    pub(crate) now: SimTime,
}

/// `service/CLUSTER/SERVICE` as its cluster and service.
fn names(resource_id: &str) -> Option<(&str, &str)> {
    let mut parts = resource_id.splitn(3, '/');
    (parts.next()? == "service").then_some(())?;
    Some((parts.next()?, parts.next()?))
}

impl Host for Region<'_> {
    fn capacity(&mut self, resource_id: &str) -> Result<Capacity, String> {
        let (cluster, service) = names(resource_id).ok_or("not an ECS service")?;
        let request = Request::DescribeServices(DescribeServicesRequest {
            cluster: Some(cluster.to_owned()),
            services: Some(vec![service.to_owned()]),
            include: None,
        });
        match self.cp.handle_request(self.now, request) {
            Ok(Response::DescribeServices(found)) => {
                let service = found
                    .services
                    .and_then(|s| s.into_iter().next())
                    .filter(|s| s.status == ServiceStatus::Active)
                    .ok_or("the service does not exist")?;
                Ok(Capacity {
                    desired: i64::from(service.desired_count),
                    running: i64::from(service.running_count),
                    deploying: service
                        .deployments
                        .iter()
                        .any(|d| d.rollout_state == RolloutState::InProgress),
                })
            }
            Ok(_) => Err("the service does not exist".to_owned()),
            Err(error) => Err(error.message),
        }
    }

    fn set_capacity(&mut self, resource_id: &str, desired: i64) -> Result<(), String> {
        let (cluster, service) = names(resource_id).ok_or("not an ECS service")?;
        let request = Request::UpdateService(UpdateServiceRequest {
            cluster: Some(cluster.to_owned()),
            service: Some(service.to_owned()),
            desired_count: Some(desired),
            ..Default::default()
        });
        self.cp
            .handle_request(self.now, request)
            .map(|_| ())
            .map_err(|error| format!("{}: {}", error.exception.as_str(), error.message))
    }

    fn put_alarm(
        &mut self,
        alarm: berth_cloudwatch::requests::PutMetricAlarmInput,
    ) -> Result<String, String> {
        let name = alarm.alarm_name.clone().unwrap_or_default();
        self.cloudwatch
            .handle(berth_cloudwatch::Request::PutMetricAlarm(alarm), self.now)
            .map_err(|error| error.message)?;
        Ok(self
            .cloudwatch
            .alarms()
            .find(|a| a.alarm_name == name)
            .map(|a| a.alarm_arn.clone())
            .unwrap_or_default())
    }

    fn delete_alarms(&mut self, names: &[String]) {
        if names.is_empty() {
            return;
        }
        let request =
            berth_cloudwatch::Request::DeleteAlarms(berth_cloudwatch::requests::AlarmNamesInput {
                alarm_names: Some(names.to_vec()),
            });
        // An alarm deleted by hand is already gone: nothing to undo.
        let _ = self.cloudwatch.handle(request, self.now);
    }

    fn alarm(&self, name: &str) -> Option<Reading> {
        let (state, threshold, value) = self.cloudwatch.reading(name)?;
        Some(Reading {
            state,
            value,
            threshold,
        })
    }

    fn alarms_invoking(&self, policy_arn: &str) -> Vec<Alarm> {
        self.cloudwatch
            .alarms()
            .filter(|a| {
                a.alarm_actions
                    .iter()
                    .chain(&a.o_k_actions)
                    .chain(&a.insufficient_data_actions)
                    .any(|action| action == policy_arn)
            })
            .map(|a| Alarm {
                alarm_name: a.alarm_name.clone(),
                alarm_arn: a.alarm_arn.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn resource_ids_name_a_cluster_and_a_service() {
        assert_eq!(
            super::names("service/default/web"),
            Some(("default", "web"))
        );
        assert_eq!(super::names("table/web"), None);
        assert_eq!(super::names("service/default"), None);
    }
}
