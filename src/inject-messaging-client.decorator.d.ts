/**
 * Injects the MessagingClient named `name`.
 *
 * @example
 * constructor(@InjectMessagingClient('users') private readonly users: MessagingClient) {}
 */
export declare function InjectMessagingClient(name: string): PropertyDecorator & ParameterDecorator;
