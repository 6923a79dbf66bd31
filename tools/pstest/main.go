// Command pstest serves Google's in-memory Pub/Sub fake (cloud.google.com/go/pubsub/v2/pstest) on a
// loopback address for our tests. It prints "READY <addr>" once listening and exits on SIGINT/SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	pb "cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/pubsub/v2/pstest"
	"google.golang.org/grpc"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback)")
	flag.Parse()
	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fake := pstest.NewServer()
	// The Node client sends ack_deadline_seconds=0 when none is given; pstest answers UNKNOWN to
	// that and the client retries for minutes. Real Pub/Sub defaults it to 10 s, so we do too.
	fix := func(ctx context.Context, req interface{}, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (interface{}, error) {
		if s, ok := req.(*pb.Subscription); ok && s.AckDeadlineSeconds == 0 {
			s.AckDeadlineSeconds = 10
		}
		return h(ctx, req)
	}
	g := grpc.NewServer(grpc.UnaryInterceptor(fix))
	pb.RegisterPublisherServer(g, &fake.GServer)
	pb.RegisterSubscriberServer(g, &fake.GServer)
	go func() {
		if err := g.Serve(lis); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}()
	fmt.Println("READY", lis.Addr().String())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	g.Stop()
}
