// README: auth.fetch with a GraphQL client (graphql-request; urql's `fetch` option and Apollo's
// `HttpLink({ fetch })` take it the same way).
import { GraphQLClient, gql } from 'graphql-request';
import { createAuthClient } from 'tokenflight';

const auth = createAuthClient({ baseUrl: 'https://api.example.com/' });
const graphql = new GraphQLClient('https://api.example.com/graphql', { fetch: auth.fetch });

const { viewer } = await graphql.request<{ viewer: { name: string } }>(gql`
  query {
    viewer {
      name
    }
  }
`);
console.log(viewer.name);
