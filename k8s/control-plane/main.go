// Command mmserve-control-plane is a Kubernetes control plane for mmserve's tests in one binary:
// an etcd server, kube-apiserver and kube-controller-manager, each run as its own process by
// naming it as the first argument (k8s/control-plane.sh starts them). There is no kubelet and no
// scheduler: tests register Nodes, bind Pods and set their status themselves.
package main

import (
	"fmt"
	"os"

	_ "time/tzdata"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: mmserve-control-plane etcd|kube-apiserver|kube-controller-manager [flags]")
		os.Exit(2)
	}
	component, args := os.Args[1], os.Args[2:]
	switch component {
	case "etcd":
		os.Exit(runEtcd(args))
	case "kube-apiserver":
		command := apiserver.NewAPIServerCommand()
		command.SetArgs(args)
		os.Exit(cli.Run(command))
	case "kube-controller-manager":
		command := controllermanager.NewControllerManagerCommand()
		command.SetArgs(args)
		os.Exit(cli.Run(command))
	default:
		fmt.Fprintf(os.Stderr, "unknown component %q: etcd, kube-apiserver or kube-controller-manager\n", component)
		os.Exit(2)
	}
}
