package io.tidemark.server.graphql;

import graphql.schema.idl.RuntimeWiring;
import io.tidemark.server.Operations;

/**
 * A part of the GraphQL API: an SDL resource (which may {@code extend type Query} or {@code Mutation}) and the
 * data fetchers of the fields it declares. The server's schema is the union of its modules, so a subsystem such as
 * the live engine adds its fields by adding a module, without touching the others.
 */
public interface GraphQlModule {

    /** The classpath resource holding this module's SDL. */
    String sdlResource();

    /** Registers the module's data fetchers and type resolvers. */
    void wire(RuntimeWiring.Builder wiring, Operations operations);
}
